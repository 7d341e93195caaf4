"""Operating settlebot: Prometheus metrics, the ids that follow a request into its jobs, and
instrumented adapters (the payment gateway, Slack's Web API). Imports the domain and its own
libraries, never ``bot`` or ``handlers``."""
