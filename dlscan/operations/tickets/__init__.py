"""Tickets for new findings: one small class per ticket system, an outbox so that none is lost."""
