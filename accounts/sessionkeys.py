"""What a session remembers about its own security (timestamps are POSIX seconds)."""

LOGIN_AT = "_kap_login_at"
SEEN_AT = "_kap_seen_at"
IDLE_MINUTES = "_kap_idle_minutes"
# Whether the user had a second factor when they signed in (patients: optional).
OTP_ENROLLED = "_kap_otp_enrolled"
