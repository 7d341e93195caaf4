"""settlebot's domain: entities, value objects, ports and use cases (standard library only)."""
