"""Scheduling services, split by sub-domain (booking, availability, retreats, reminders)."""
