"""Shared kernel: app factory, configuration, extensions, accounts, policy."""
