"""Development tools, not shipped: the local workspace, the local provider plugin, the toolchain
builder and the benchmarks. No product module (metadata, components, stacks, cli) imports them."""
