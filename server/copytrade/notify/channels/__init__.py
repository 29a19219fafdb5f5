"""One module per channel kind: how a rendered alert is delivered, and how each fails."""
