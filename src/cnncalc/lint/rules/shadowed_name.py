"""W207: layer names that differ only in case, or that shadow a torch.nn.Module attribute."""

from __future__ import annotations

from collections.abc import Iterator

from cnncalc.lint.diagnostics import Finding, Severity
from cnncalc.lint.rule import Context, Rule

# Public attributes of torch.nn.Module (torch 2.x; a test checks them against torch):
# a submodule of one of these names is refused by add_module, or hides the method.
MODULE_ATTRS = frozenset(
    (
        "T_destination",
        "add_module",
        "apply",
        "bfloat16",
        "buffers",
        "call_super_init",
        "children",
        "compile",
        "cpu",
        "cuda",
        "double",
        "dump_patches",
        "eval",
        "extra_repr",
        "float",
        "forward",
        "get_buffer",
        "get_extra_state",
        "get_parameter",
        "get_submodule",
        "half",
        "ipu",
        "load_state_dict",
        "modules",
        "mtia",
        "named_buffers",
        "named_children",
        "named_modules",
        "named_parameters",
        "parameters",
        "register_backward_hook",
        "register_buffer",
        "register_forward_hook",
        "register_forward_pre_hook",
        "register_full_backward_hook",
        "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook",
        "register_load_state_dict_pre_hook",
        "register_module",
        "register_parameter",
        "register_state_dict_post_hook",
        "register_state_dict_pre_hook",
        "requires_grad_",
        "set_extra_state",
        "set_submodule",
        "share_memory",
        "state_dict",
        "to",
        "to_empty",
        "train",
        "training",
        "type",
        "xpu",
        "zero_grad",
    )
)


class ShadowedName(Rule):
    """Layer names that collide: equal but for case, or taken by torch.nn.Module itself.

    Exact duplicates are errors (E004). Names that differ only in case (`C1` and `c1`) are
    legal but read as one layer in reviews, logs and case-insensitive file systems where
    checkpoints are written per layer. A layer named like a torch.nn.Module attribute
    (`forward`, `training`, `eval`, `to`, …) cannot become a submodule of that name: torch
    refuses it (add_module) or the submodule hides the method, so generated code must rename
    it and the state_dict keys no longer match the spec.

    Bad::

        name: colliding-names
        input: {channels: 3, height: 32, width: 32}
        layers:
          - {name: conv, type: conv2d, out_channels: 16, kernel_size: 3}
          - {name: forward, type: conv2d, out_channels: 16, kernel_size: 3}

    Good::

        name: distinct-names
        input: {channels: 3, height: 32, width: 32}
        layers:
          - {name: conv1, type: conv2d, out_channels: 16, kernel_size: 3}
          - {name: conv2, type: conv2d, out_channels: 16, kernel_size: 3}
    """

    code = "W207"
    name = "shadowed-name"
    severity = Severity.WARNING
    needs = "network"

    def check(self, ctx: Context) -> Iterator[Finding]:
        net = ctx.network
        assert net is not None
        first: dict[str, str] = {}
        for node in net.nodes:
            parts = node.name.split(".")
            local = parts[-1]
            if local in MODULE_ATTRS:
                yield self.at(
                    node,
                    f"the name {local!r} is an attribute of torch.nn.Module: torch refuses it as "
                    "a submodule name, or the submodule hides the method",
                    f"rename it, e.g. {local}_1 or a name that says what it computes",
                    "name",
                )
            key = node.name.lower()
            other = first.setdefault(key, node.name)
            if other != node.name:
                line = net.by_name()[other].where().line
                yield self.at(
                    node,
                    f"the name {node.name!r} differs from {other!r} (line {line}) only in case",
                    "give layers names that differ in more than case",
                    "name",
                )
