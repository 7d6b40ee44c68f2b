"""One module per layer kind: how it lowers to CUDA steps (registered with @lowers)."""
