"""Billing pages: `desk` (the billing home, month-end, a patient's ledger, PDFs, the portal's
pages and the card webhook) and `claims` (insurance claims, 837P batches, 835 imports)."""
