"""Deriving a template without some resource types (and without what refers to them).

Catalog products written for AWS often carry helpers the platform does not run
(an S3 bucket for logs, a Lambda-backed custom resource that empties it). A
variant without them keeps everything else working:

* the resources of the removed types disappear, and so do DependsOn entries
  naming them;
* a value that refers to a removed resource (Ref, Fn::GetAtt, an Fn::Sub
  variable) is replaced by the literal the caller supplies in ``replacements``
  when there is one, and otherwise removed: the smallest piece that can stand
  alone goes — the list item that holds it, or the whole property when no list
  is in between (an IAM statement whose Resource list empties goes as a whole);
  a list that loses all its items goes the same way;
* an output whose value or export name refers to a removed resource disappears.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Collection, Mapping
from typing import Any, Final

from clusterport.templates.errors import TemplateError
from clusterport.templates.model import Template
from clusterport.templates.structure import template_from_document
from clusterport.templates.syntax import (
    SUB_PLACEHOLDER,
    SubVariable,
    getatt_arguments,
    intrinsic,
    sub_arguments,
    type_matches,
)


class _Removed:
    """Marks a value that referred to a removed resource."""


_REMOVED: Final = _Removed()


def strip_resources(
    template: Template,
    types_to_remove: Collection[str],
    *,
    replacements: Mapping[str, Mapping[str, Any]] | None = None,
) -> Template:
    """A new template without the resources of ``types_to_remove`` and what refers to them.

    ``types_to_remove`` holds exact types or prefixes ending in ``*`` (``Custom::*``).
    ``replacements`` maps a removed logical ID to literal values to use instead of
    references to it: ``{"Ref": "my-bucket", "Arn": "arn:aws:s3:::my-bucket"}``
    (``Ref`` for Ref, attribute names for Fn::GetAtt).
    """
    removed = {
        key
        for key, resource in template.resources.items()
        if type_matches(resource.type, types_to_remove)
    }
    chosen = dict(replacements or {})
    stray = [key for key in chosen if key not in removed]
    if stray:
        raise TemplateError(
            f"Replacements were given for {', '.join(stray)}, which are not removed; "
            "replacements only stand in for removed resources"
        )
    if len(removed) == len(template.resources):
        raise TemplateError(
            "Removing those resource types leaves the template without resources; "
            "at least one Resources member must remain"
        )
    pruner = _Pruner(removed, chosen)
    document = copy.deepcopy(dict(template.document))
    resources: dict[str, Any] = {}
    for key, raw in document["Resources"].items():
        if key in removed:
            continue
        spec = dict(raw)
        if "DependsOn" in spec:
            depends = (
                [spec["DependsOn"]] if isinstance(spec["DependsOn"], str) else spec["DependsOn"]
            )
            kept = [name for name in depends if name not in removed]
            if kept:
                spec["DependsOn"] = kept[0] if len(kept) == 1 else kept
            else:
                del spec["DependsOn"]
        for attribute in ("Properties", "Metadata", "CreationPolicy", "UpdatePolicy"):
            if isinstance(spec.get(attribute), dict):
                spec[attribute] = pruner.prune_top(spec[attribute])
        resources[key] = spec
    document["Resources"] = resources
    if isinstance(document.get("Outputs"), dict):
        outputs: dict[str, Any] = {}
        for key, raw in document["Outputs"].items():
            spec = dict(raw)
            value = pruner.prune(spec.get("Value"), atomic=True)
            export = spec.get("Export")
            export_name = pruner.prune(export, atomic=True) if export is not None else None
            if value is _REMOVED or export_name is _REMOVED:
                continue
            spec["Value"] = value
            outputs[key] = spec
        if outputs:
            document["Outputs"] = outputs
        else:
            del document["Outputs"]
    return template_from_document(document)


class _Pruner:
    """Rewrites or removes values that refer to removed resources."""

    def __init__(self, removed: set[str], replacements: Mapping[str, Mapping[str, Any]]) -> None:
        self.removed = removed
        self.replacements = replacements

    def prune_top(self, mapping: Mapping[str, Any]) -> dict[str, Any]:
        """A mapping (Properties, Metadata) without the entries that refer to removed resources."""
        kept: dict[str, Any] = {}
        for key, value in mapping.items():
            pruned = self.prune(value, atomic=False)
            if pruned is not _REMOVED:
                kept[key] = pruned
        return kept

    def prune(self, node: Any, *, atomic: bool) -> Any:
        """``node`` rewritten, or ``_REMOVED``; ``atomic`` (inside intrinsics): drop nothing."""
        call = intrinsic(node)
        if call is not None:
            return self._call(*call)
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                pruned = self.prune(value, atomic=atomic)
                if pruned is _REMOVED:
                    return _REMOVED
                out[key] = pruned
            return out
        if isinstance(node, list):
            items: list[Any] = []
            for item in node:
                pruned = self.prune(item, atomic=atomic)
                if pruned is _REMOVED:
                    if atomic:
                        return _REMOVED
                    continue
                items.append(pruned)
            if node and not items:
                return _REMOVED
            return items
        return node

    def _literal(self, logical_id: str, key: str) -> Any:
        return self.replacements.get(logical_id, {}).get(key, _REMOVED)

    def _call(self, name: str, argument: Any) -> Any:
        if name == "Ref" and isinstance(argument, str) and argument in self.removed:
            return self._literal(argument, "Ref")
        if name == "Fn::GetAtt":
            logical_id, attribute = getatt_arguments(argument)
            if logical_id in self.removed:
                if not isinstance(attribute, str):
                    return _REMOVED
                return self._literal(logical_id, attribute)
        if name == "Fn::Sub":
            return self._sub(argument)
        pruned = self.prune(argument, atomic=True)
        return _REMOVED if pruned is _REMOVED else {name: pruned}

    def _sub(self, argument: Any) -> Any:
        text, variables = sub_arguments(argument)
        pruned_variables = self.prune(variables, atomic=True)
        if pruned_variables is _REMOVED:
            return _REMOVED
        missing: list[str] = []

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!") or name in variables:
                return match.group(0)
            pair = SubVariable(name).resource_attribute
            logical_id, key = pair if pair is not None else (name, "Ref")
            if logical_id not in self.removed:
                return match.group(0)
            literal = self._literal(logical_id, key)
            if literal is _REMOVED:
                missing.append(name)
                return match.group(0)
            return SUB_PLACEHOLDER.sub(lambda m: "${!" + m.group(1) + "}", str(literal))

        rewritten = SUB_PLACEHOLDER.sub(substitute, text)
        if missing:
            return _REMOVED
        return {"Fn::Sub": [rewritten, pruned_variables] if variables else rewritten}
