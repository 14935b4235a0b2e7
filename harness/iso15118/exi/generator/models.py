"""Writes the typed message models (harness/iso15118/messages/) from the same grammars the codec uses.

One module per schema namespace; one frozen dataclass per complex type, one StrEnum per enumerated simple type.
A field is required when the type's automaton cannot reach its end without it; repeated when it may occur more
than once. Message classes name their root element, namespace and the -20 clause that defines them.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

from .grammar import AT, CH, EE, SE, NamespaceGrammars, TypeGrammar

# Schema namespace -> models module.
MODULES = {
    "urn:iso:15118:2:2010:AppProtocol": "app_protocol",
    "urn:iso:std:iso:15118:-20:CommonTypes": "common_types",
    "urn:iso:std:iso:15118:-20:CommonMessages": "common_messages",
    "urn:iso:std:iso:15118:-20:DC": "dc",
    "urn:iso:std:iso:15118:-20:AC": "ac",
    "urn:iso:std:iso:15118:-20:WPT": "wpt",
    "urn:iso:std:iso:15118:-20:ACDP": "acdp",
    "http://www.w3.org/2000/09/xmldsig#": "xmldsig",
}

# ISO 15118-20 clauses of the messages (as the iso15118 0.31.2 package annotates its models).
CLAUSES = {
    "SessionSetupReq": "8.3.4.3.1.1", "SessionSetupRes": "8.3.4.3.1.2",
    "AuthorizationSetupReq": "8.3.4.3.2.1", "AuthorizationSetupRes": "8.3.4.3.2.2",
    "AuthorizationReq": "8.3.4.3.3.1", "AuthorizationRes": "8.3.4.3.3.2",
    "ServiceDiscoveryReq": "8.3.4.3.4.2", "ServiceDiscoveryRes": "8.3.4.3.4.3",
    "ServiceDetailReq": "8.3.4.3.5.1", "ServiceDetailRes": "8.3.4.3.5.2",
    "ServiceSelectionReq": "8.3.4.3.6.2", "ServiceSelectionRes": "8.3.4.3.6.3",
    "ScheduleExchangeReq": "8.3.4.3.7.2", "ScheduleExchangeRes": "8.3.4.3.7.3",
    "PowerDeliveryReq": "8.3.4.3.8.2", "PowerDeliveryRes": "8.3.4.3.8.3",
    "CertificateInstallationReq": "8.3.4.3.9.2", "CertificateInstallationRes": "8.3.4.3.9.3",
    "SessionStopReq": "8.3.4.3.10.2", "SessionStopRes": "8.3.4.3.10.3",
    "MeteringConfirmationReq": "8.3.4.3.11.2", "MeteringConfirmationRes": "8.3.4.3.11.3",
    "AC_ChargeParameterDiscoveryReq": "8.3.4.4.2.2", "AC_ChargeParameterDiscoveryRes": "8.3.4.4.2.3",
    "AC_ChargeLoopReq": "8.3.4.4.3.2", "AC_ChargeLoopRes": "8.3.4.4.3.3",
    "DC_ChargeParameterDiscoveryReq": "8.3.4.5.2.2", "DC_ChargeParameterDiscoveryRes": "8.3.4.5.2.3",
    "DC_CableCheckReq": "8.3.4.5.3.2", "DC_CableCheckRes": "8.3.4.5.3.3",
    "DC_PreChargeReq": "8.3.4.5.4.1", "DC_PreChargeRes": "8.3.4.5.4.3",
    "DC_ChargeLoopReq": "8.3.4.5.5.2", "DC_ChargeLoopRes": "8.3.4.5.5.3",
    "DC_WeldingDetectionReq": "8.3.4.5.6.2", "DC_WeldingDetectionRes": "8.3.4.5.6.3",
    "VehicleCheckInReq": "8.3.4.8.1.1.2", "VehicleCheckInRes": "8.3.4.8.1.1.3",
    "VehicleCheckOutReq": "8.3.4.8.1.2.2", "VehicleCheckOutRes": "8.3.4.8.1.3.2",
}  # fmt: skip


@dataclass
class _Field:
    name: str
    wire: str
    kind: str
    annotation: str
    required: bool
    repeated: bool
    low: int | None = None
    high: int | None = None
    target: str | None = None


@dataclass
class _Class:
    name: str
    wire_type: str
    fields: list[_Field]
    root: str | None = None
    namespace: str | None = None
    clause: str | None = None
    imports: set[tuple[str, str]] = field(default_factory=set)
    also: list[str] = field(default_factory=list)  # further message elements of the same type: subclasses


@dataclass
class _Module:
    classes: dict[str, _Class] = field(default_factory=dict)
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    imports: set[tuple[str, str]] = field(default_factory=set)


def render_models(all_grammars: dict[str, tuple[str, NamespaceGrammars]]) -> dict[str, str]:
    """Models module name -> text, from each codec namespace's grammars (keyed by generated module name)."""
    modules: dict[str, _Module] = {name: _Module() for name in MODULES.values()}
    for _module, (urn, grammars) in all_grammars.items():
        _collect(urn, grammars, modules)
    return {name: _render(name, module) for name, module in modules.items() if module.classes or module.enums}


def class_name(type_name: str) -> str:
    base = type_name.removesuffix("@type")
    base = base[:-4] if base.endswith("Type") and len(base) > 4 else base
    return base[0].upper() + base[1:]


def field_name(wire_name: str) -> str:
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", wire_name)
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"_+", "_", text).lower().strip("_")
    return text + "_" if keyword.iskeyword(text) else text


def _collect(urn: str, grammars: NamespaceGrammars, modules: dict[str, _Module]) -> None:
    message_types: dict[int, list[str]] = {}
    for element_index in grammars.roots:
        element = grammars.elements[element_index]
        if element.complex is not None and element.name[1].endswith(("Req", "Res")):
            message_types.setdefault(element.complex, []).append(element.name[1])
    for index, grammar in enumerate(grammars.types):
        module = modules[MODULES[grammar.namespace]]
        name = class_name(grammar.name)
        if name in module.classes:
            continue
        fields = [_field(grammars, grammar, key, modules, MODULES[grammar.namespace]) for key in grammar.keys]
        model = _Class(name=name, wire_type=grammar.name, fields=fields)
        roots = sorted(message_types.get(index, []), key=lambda r: r != name)
        if roots:
            model.root, model.namespace, model.clause = roots[0], urn, CLAUSES.get(roots[0])
            model.also = roots[1:]
        module.classes[name] = model


def _field(
    grammars: NamespaceGrammars, grammar: TypeGrammar, key: str, modules: dict[str, _Module], home: str
) -> _Field:
    module = modules[home]
    target = _target(grammar, key)
    kind_tag, ref = target
    repeated = key in grammar.lists
    required = _required(grammar, key)
    if kind_tag == SE and grammars.elements[ref].complex is not None:
        child = grammars.types[grammars.elements[ref].complex]  # type: ignore[index]
        cls = class_name(child.name)
        _import(module, home, MODULES[child.namespace], cls)
        result = _Field(field_name(key), key, "model", cls, required, repeated, target=cls)
    else:
        datatype = grammars.elements[ref].simple if kind_tag == SE else ref
        assert datatype is not None
        result = _value_field(grammars, datatype, key, required, repeated, modules, home)
    if repeated:
        result.annotation = f"list[{result.annotation}]"
    if not required:
        result.annotation += " | None"
    return result


def _value_field(
    grammars: NamespaceGrammars,
    datatype: int,
    key: str,
    required: bool,
    repeated: bool,
    modules: dict[str, _Module],
    home: str,
) -> _Field:
    spec = grammars.datatypes[datatype]
    kind = spec[0]
    name = field_name(key)
    if kind == "enum":
        named = grammars.datatype_names[datatype]
        enum_name = class_name(named[1]) if named else class_name(key) + "Value"
        enum_home = MODULES.get(named[0], home) if named else home
        modules[enum_home].enums.setdefault(enum_name, spec[1])  # type: ignore[arg-type]
        _import(modules[home], home, enum_home, enum_name)
        return _Field(name, key, "enum", enum_name, required, repeated, target=enum_name)
    if kind in ("nbit", "uint", "int"):
        return _Field(name, key, "int", "int", required, repeated, spec[1], spec[2])  # type: ignore[arg-type]
    if kind == "bool":
        return _Field(name, key, "bool", "bool", required, repeated)
    if kind == "str":
        return _Field(name, key, "str", "str", required, repeated, spec[1], spec[2])  # type: ignore[arg-type]
    if kind == "bin":
        return _Field(name, key, "bytes", "bytes", required, repeated, spec[2], spec[3])  # type: ignore[arg-type]
    if kind == "list":
        return _Field(name, key, "list", "list[object]", required, repeated, spec[2], spec[3])  # type: ignore[arg-type]
    raise ValueError(f"no model type for {spec!r}")


def _import(module: _Module, home: str, where: str, name: str) -> None:
    if where != home:
        module.imports.add((where, name))


def _target(grammar: TypeGrammar, key: str) -> tuple[int, int]:
    for state in grammar.states:
        for view in state.views:
            for production in view.productions:
                if production.key == key and production.kind in (SE, AT, CH) and production.ref is not None:
                    return (production.kind, production.ref)
    raise ValueError(f"{grammar.name}: no production for {key}")


def _required(grammar: TypeGrammar, key: str) -> bool:
    """True when the end of the element cannot be reached without passing `key`."""
    seen = {0}
    pending = [0]
    while pending:
        state = grammar.states[pending.pop()]
        for view in state.views:
            for production in view.productions:
                if production.key == key and production.kind in (SE, AT, CH):
                    continue
                if production.kind == EE:
                    return False
                nxt = production.next
                if nxt is not None and nxt not in seen:
                    seen.add(nxt)
                    pending.append(nxt)
    return True


def _render(name: str, module: _Module) -> str:
    lines = [
        f'"""Typed models of the {name} schema namespace, generated by `python -m harness.iso15118.exi.generator`.',
        "",
        "Each field carries its wire name and the schema's constraints (see harness.iso15118.messages.base); message",
        'classes carry their root element, codec namespace and ISO 15118-20 clause. Do not edit: regenerate."""',
        "",
        "from __future__ import annotations",
        "",
        "import dataclasses",
        "import enum",
        "from typing import ClassVar",
        "",
        "from .base import Model, register, wire",
    ]
    by_module: dict[str, list[str]] = {}
    for where, imported in sorted(module.imports):
        by_module.setdefault(where, []).append(imported)
    for where, names in sorted(by_module.items()):
        lines.append(f"from .{where} import {', '.join(sorted(set(names)))}  # noqa: F401")
    lines.append("")
    for enum_name, values in sorted(module.enums.items()):
        lines += ["", f"class {enum_name}(enum.StrEnum):"]
        for value in values:
            member = re.sub(r"\W", "_", value)
            member = member if member.isidentifier() and not keyword.iskeyword(member) else f"V_{member}"
            lines.append(f"    {member} = {value!r}")
        lines.append("")
    for cls in module.classes.values():
        lines += _render_class(cls)
    for cls in module.classes.values():
        for root in cls.also:
            lines += ["", "@dataclasses.dataclass(frozen=True, kw_only=True)", f"class {root}({cls.name}):"]
            lines.append(f'    """{root} ({cls.wire_type}): the same content as {cls.name} under another name."""')
            lines += [
                "",
                f"    ROOT: ClassVar[str | None] = {root!r}",
                f"    CLAUSE: ClassVar[str | None] = {CLAUSES.get(root)!r}",
            ]
    lines += ["", "register(__name__, globals())", ""]
    return "\n".join(lines)


def _render_class(cls: _Class) -> list[str]:
    lines = ["", "@dataclasses.dataclass(frozen=True, kw_only=True)", f"class {cls.name}(Model):"]
    doc = f"{cls.wire_type}"
    if cls.root:
        doc = f"{cls.root} ({cls.wire_type})" + (f", ISO 15118-20 clause {cls.clause}" if cls.clause else "")
    lines.append(f'    """{doc}."""')
    lines.append("")
    lines.append(f"    WIRE_TYPE: ClassVar[str] = {cls.wire_type!r}")
    if cls.root:
        lines.append(f"    ROOT: ClassVar[str | None] = {cls.root!r}")
        lines.append(f"    NAMESPACE: ClassVar[str | None] = {cls.namespace!r}")
        lines.append(f"    CLAUSE: ClassVar[str | None] = {cls.clause!r}")
    for item in cls.fields:
        arguments = [repr(item.wire), f"kind={item.kind!r}"]
        if item.required:
            arguments.append("required=True")
        if item.repeated:
            arguments.append("repeated=True")
        if item.low is not None:
            arguments.append(f"low={item.low}")
        if item.high is not None:
            arguments.append(f"high={item.high}")
        if item.target:
            arguments.append(f"target={item.target!r}")
        lines.append(f"    {item.name}: {item.annotation} = wire({', '.join(arguments)})")
    return lines
