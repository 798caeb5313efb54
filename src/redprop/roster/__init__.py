"""Household rosters (住户花名册): households, and importing and exporting rosters from messy files."""
