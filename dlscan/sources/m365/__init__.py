"""Microsoft 365 through Microsoft Graph. Needs the `m365` extra, except `settings`, which the CLI reads first."""
