"""Messaging services: the outbox (delivery), rules, message contents, preferences."""
