"""The unit tree (street → community → grid → building, compounds) and the staff who work in it."""
