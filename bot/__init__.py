"""settlebot's composition root, configuration, scheduler, command line and HTTP server."""
