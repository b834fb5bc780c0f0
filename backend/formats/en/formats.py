"""The product's one way of writing dates and times (English), used by Django's `date` and
`time` filters when given a format name, and by `backend.formatting.format_moment`.

Moments are always converted to the clinic's zone (the patient's, in the portal) first.
"""

DATE_FORMAT = "M j, Y"  # Nov 30, 2026
TIME_FORMAT = "g:i A"  # 8:59 PM
DATETIME_FORMAT = "M j, Y, g:i A"  # Nov 30, 2026, 8:59 PM
MONTH_DAY_FORMAT = "M j"  # Nov 30
YEAR_MONTH_FORMAT = "F Y"  # November 2026
SHORT_DATE_FORMAT = "m/d/Y"  # 11/30/2026 (forms and claims)
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
FIRST_DAY_OF_WEEK = 0  # Sunday
