"""The service lists (需求清单、资源清单、服务清单, 微心愿): demands through their own rules table,
resources, service items and records, their import and export."""
