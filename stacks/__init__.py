"""Per-stack settings and the build that wires rows to components."""
