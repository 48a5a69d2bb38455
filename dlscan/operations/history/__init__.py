"""What dlscan remembers between nightly runs: past runs, every finding's life, tickets and their outbox."""
