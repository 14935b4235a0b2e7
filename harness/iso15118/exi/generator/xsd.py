"""Just enough of XML Schema 1.0 to derive EXI grammars: components, derivation, particles and facets.

The -20 schemas, the AppProtocol schema and xmldsig use a small part of XSD (no groups, no redefines, no
identity constraints), so this reader covers that part and refuses the rest loudly rather than guessing.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

XS = "http://www.w3.org/2001/XMLSchema"
QName = tuple[str, str]  # (namespace, local name)


class SchemaError(Exception):
    """The schemas use a construct this reader does not support, or are inconsistent."""


@dataclass(eq=False)
class SimpleType:
    name: QName | None
    base: SimpleType | None
    variety: str = "atomic"  # atomic | list | union
    facets: dict[str, str] = field(default_factory=dict)
    enumeration: tuple[str, ...] = ()
    item_type: SimpleType | None = None
    has_pattern: bool = False

    def chain(self) -> list[SimpleType]:
        """This type and its bases, most derived first."""
        out: list[SimpleType] = []
        t: SimpleType | None = self
        while t is not None:
            out.append(t)
            t = t.base
        return out

    def builtin_name(self) -> str:
        """The nearest built-in XSD type name on the derivation chain."""
        for t in self.chain():
            if t.name is not None and t.name[0] == XS:
                return t.name[1]
        raise SchemaError(f"simple type {self.name} does not derive from a built-in type")

    def facet(self, name: str) -> str | None:
        for t in self.chain():
            if name in t.facets:
                return t.facets[name]
        return None

    def effective_enumeration(self) -> tuple[str, ...]:
        for t in self.chain():
            if t.enumeration:
                return t.enumeration
        return ()


@dataclass(eq=False)
class Wildcard:
    constraint: str  # "any" | "other" | "list"
    namespaces: tuple[str, ...] = ()


@dataclass(eq=False)
class Particle:
    min: int
    max: int | None  # None: unbounded
    term: Term


@dataclass(eq=False)
class ModelGroup:
    compositor: str  # sequence | choice | all
    particles: list[Particle]


@dataclass(eq=False)
class AttributeUse:
    name: QName
    type: SimpleType
    required: bool


@dataclass(eq=False)
class ComplexType:
    name: QName | None
    base: ComplexType | SimpleType | None = None
    derivation: str = "restriction"
    abstract: bool = False
    mixed: bool = False
    attributes: list[AttributeUse] = field(default_factory=list)
    attribute_wildcard: Wildcard | None = None
    content: str = "empty"  # empty | simple | element
    simple_type: SimpleType | None = None
    particle: Particle | None = None
    anonymous_for: str = ""


@dataclass(eq=False)
class ElementDecl:
    name: QName
    type: ComplexType | SimpleType
    nillable: bool = False
    abstract: bool = False
    is_global: bool = False
    substitution_head: ElementDecl | None = None


Term = ElementDecl | ModelGroup | Wildcard
TypeDef = ComplexType | SimpleType


def _builtin_types() -> dict[str, SimpleType]:
    """The XSD built-in simple types with their derivation and the bounds Xerces declares as facets."""
    parents = {
        "anySimpleType": None,
        "string": "anySimpleType",
        "normalizedString": "string",
        "token": "normalizedString",
        "language": "token",
        "Name": "token",
        "NCName": "Name",
        "ID": "NCName",
        "IDREF": "NCName",
        "ENTITY": "NCName",
        "NMTOKEN": "token",
        "anyURI": "anySimpleType",
        "QName": "anySimpleType",
        "NOTATION": "anySimpleType",
        "boolean": "anySimpleType",
        "decimal": "anySimpleType",
        "integer": "decimal",
        "nonPositiveInteger": "integer",
        "negativeInteger": "nonPositiveInteger",
        "long": "integer",
        "int": "long",
        "short": "int",
        "byte": "short",
        "nonNegativeInteger": "integer",
        "unsignedLong": "nonNegativeInteger",
        "unsignedInt": "unsignedLong",
        "unsignedShort": "unsignedInt",
        "unsignedByte": "unsignedShort",
        "positiveInteger": "nonNegativeInteger",
        "float": "anySimpleType",
        "double": "anySimpleType",
        "hexBinary": "anySimpleType",
        "base64Binary": "anySimpleType",
        "dateTime": "anySimpleType",
        "date": "anySimpleType",
        "time": "anySimpleType",
        "duration": "anySimpleType",
        "gYear": "anySimpleType",
        "gYearMonth": "anySimpleType",
        "gMonth": "anySimpleType",
        "gMonthDay": "anySimpleType",
        "gDay": "anySimpleType",
    }
    bounds = {
        "nonPositiveInteger": (None, 0),
        "negativeInteger": (None, -1),
        "long": (-(2**63), 2**63 - 1),
        "int": (-(2**31), 2**31 - 1),
        "short": (-(2**15), 2**15 - 1),
        "byte": (-128, 127),
        "nonNegativeInteger": (0, None),
        "unsignedLong": (0, 2**64 - 1),
        "unsignedInt": (0, 2**32 - 1),
        "unsignedShort": (0, 2**16 - 1),
        "unsignedByte": (0, 255),
        "positiveInteger": (1, None),
    }
    types: dict[str, SimpleType] = {}
    for name, parent in parents.items():
        facets: dict[str, str] = {}
        low, high = bounds.get(name, (None, None))
        if low is not None:
            facets["minInclusive"] = str(low)
        if high is not None:
            facets["maxInclusive"] = str(high)
        types[name] = SimpleType(name=(XS, name), base=types[parent] if parent else None, facets=facets)
    return types


class SchemaSet:
    """All components of one root schema document and everything it imports, resolved on demand."""

    def __init__(self, documents: dict[str, bytes], root: str) -> None:
        self._documents = documents
        self._raw: dict[tuple[str, QName], tuple[ET.Element, str, dict[str, str]]] = {}
        self._order: list[QName] = []  # global elements in document order
        self._simple: dict[QName, SimpleType] = {(XS, n): t for n, t in _builtin_types().items()}
        self._complex: dict[QName, ComplexType] = {}
        self._elements: dict[QName, ElementDecl] = {}
        self._attributes_qualified: dict[str, bool] = {}
        self._elements_qualified: dict[str, bool] = {}
        self._loaded: set[str] = set()
        self._load(root)
        self.global_elements = [self.element(q) for q in self._order]
        self.named_types: list[TypeDef] = [self.type_named(q) for (kind, q) in self._raw if kind == "type"]
        self.substitution_members: dict[QName, list[ElementDecl]] = {}
        for decl in self.global_elements:
            head = decl.substitution_head
            while head is not None:
                self.substitution_members.setdefault(head.name, []).append(decl)
                head = head.substitution_head

    # -- loading ---------------------------------------------------------------------------------------------------
    def _load(self, name: str) -> None:
        if name in self._loaded:
            return
        self._loaded.add(name)
        if name not in self._documents:
            raise SchemaError(f"schema document {name} is missing")
        root = ET.fromstring(self._documents[name])
        target = root.get("targetNamespace", "")
        self._elements_qualified[target] = root.get("elementFormDefault") == "qualified"
        self._attributes_qualified[target] = root.get("attributeFormDefault") == "qualified"
        prefixes = _prefixes(self._documents[name])
        for child in root:
            tag = _local(child.tag)
            if tag in ("import", "include"):
                location = child.get("schemaLocation")
                if location:
                    self._load(location.rsplit("/", 1)[-1])
            elif tag == "element":
                qname = (target, _required(child, "name"))
                self._raw[("element", qname)] = (child, target, prefixes)
                self._order.append(qname)
            elif tag in ("complexType", "simpleType"):
                self._raw[("type", (target, _required(child, "name")))] = (child, target, prefixes)
            elif tag == "attribute":
                self._raw[("attribute", (target, _required(child, "name")))] = (child, target, prefixes)
            elif tag in ("annotation",):
                continue
            else:
                raise SchemaError(f"unsupported top-level schema component <{tag}> in {name}")

    # -- resolution ------------------------------------------------------------------------------------------------
    def element(self, qname: QName) -> ElementDecl:
        if qname in self._elements:
            return self._elements[qname]
        node, target, prefixes = self._lookup("element", qname)
        decl = ElementDecl(name=qname, type=self._simple[(XS, "anySimpleType")], is_global=True)
        self._elements[qname] = decl  # registered first: element types may refer back to it
        decl.nillable = node.get("nillable") == "true"
        decl.abstract = node.get("abstract") == "true"
        decl.type = self._element_type(node, target, prefixes, qname[1])
        head = node.get("substitutionGroup")
        if head:
            decl.substitution_head = self.element(_resolve(head, prefixes))
        return decl

    def type_named(self, qname: QName) -> TypeDef:
        if qname in self._simple:
            return self._simple[qname]
        if qname in self._complex:
            return self._complex[qname]
        node, target, prefixes = self._lookup("type", qname)
        if _local(node.tag) == "simpleType":
            return self._simple_type(node, target, prefixes, qname)
        return self._complex_type(node, target, prefixes, qname)

    def _lookup(self, kind: str, qname: QName) -> tuple[ET.Element, str, dict[str, str]]:
        try:
            return self._raw[(kind, qname)]
        except KeyError:
            raise SchemaError(f"{kind} {{{qname[0]}}}{qname[1]} is not declared") from None

    def _element_type(self, node: ET.Element, target: str, prefixes: dict[str, str], owner: str) -> TypeDef:
        type_ref = node.get("type")
        if type_ref:
            return self.type_named(_resolve(type_ref, prefixes))
        for child in node:
            tag = _local(child.tag)
            if tag == "complexType":
                return self._complex_type(child, target, prefixes, None, owner)
            if tag == "simpleType":
                return self._simple_type(child, target, prefixes, None)
        head = node.get("substitutionGroup")
        if head:
            return self.element(_resolve(head, prefixes)).type
        return self._complex_anytype()

    def _complex_anytype(self) -> ComplexType:
        raise SchemaError("elements without a type (xs:anyType) are not supported")

    def _simple_type(self, node: ET.Element, target: str, prefixes: dict[str, str], name: QName | None) -> SimpleType:
        result = SimpleType(name=name, base=None)
        if name is not None:
            self._simple[name] = result
        for child in node:
            tag = _local(child.tag)
            if tag == "restriction":
                result.base = self._simple_base(child, target, prefixes)
                enumeration: list[str] = []
                for facet in child:
                    facet_tag = _local(facet.tag)
                    if facet_tag == "enumeration":
                        enumeration.append(_required(facet, "value"))
                    elif facet_tag == "pattern":
                        result.has_pattern = True
                    elif facet_tag not in ("annotation", "simpleType"):
                        result.facets[facet_tag] = _required(facet, "value")
                result.enumeration = tuple(enumeration)
                result.variety = result.base.variety
                result.item_type = result.base.item_type
            elif tag == "list":
                result.variety = "list"
                result.base = self._simple[(XS, "anySimpleType")]
                item = child.get("itemType")
                if item:
                    item_type = self.type_named(_resolve(item, prefixes))
                else:
                    inner = [c for c in child if _local(c.tag) == "simpleType"]
                    item_type = self._simple_type(inner[0], target, prefixes, None)
                if not isinstance(item_type, SimpleType):
                    raise SchemaError("a list item type must be simple")
                result.item_type = item_type
            elif tag == "union":
                result.variety = "union"
                result.base = self._simple[(XS, "anySimpleType")]
            elif tag != "annotation":
                raise SchemaError(f"unsupported simple type construct <{tag}>")
        if result.base is None:
            raise SchemaError(f"simple type {name} has no base")
        return result

    def _simple_base(self, node: ET.Element, target: str, prefixes: dict[str, str]) -> SimpleType:
        base_ref = node.get("base")
        if base_ref:
            base = self.type_named(_resolve(base_ref, prefixes))
        else:
            inner = [c for c in node if _local(c.tag) == "simpleType"]
            if not inner:
                raise SchemaError("a restriction needs a base")
            base = self._simple_type(inner[0], target, prefixes, None)
        if not isinstance(base, SimpleType):
            raise SchemaError(f"simple restriction of complex type {base.name}")
        return base

    def _complex_type(
        self, node: ET.Element, target: str, prefixes: dict[str, str], name: QName | None, owner: str = ""
    ) -> ComplexType:
        result = ComplexType(name=name, anonymous_for=owner)
        if name is not None:
            self._complex[name] = result
        result.abstract = node.get("abstract") == "true"
        result.mixed = node.get("mixed") == "true"
        own_particle: Particle | None = None
        for child in node:
            tag = _local(child.tag)
            if tag in ("sequence", "choice", "all"):
                own_particle = self._particle(child, target, prefixes)
            elif tag == "attribute":
                result.attributes.append(self._attribute(child, target, prefixes))
            elif tag == "anyAttribute":
                result.attribute_wildcard = _wildcard(child)
            elif tag == "complexContent":
                if child.get("mixed") == "true":
                    result.mixed = True
                self._complex_content(result, child, target, prefixes)
                return result
            elif tag == "simpleContent":
                self._simple_content(result, child, target, prefixes)
                return result
            elif tag != "annotation":
                raise SchemaError(f"unsupported complex type construct <{tag}>")
        if own_particle is not None and not _is_empty_particle(own_particle):
            result.content = "element"
            result.particle = own_particle
        return result

    def _complex_content(self, result: ComplexType, node: ET.Element, target: str, prefixes: dict[str, str]) -> None:
        derivation = next(c for c in node if _local(c.tag) in ("extension", "restriction"))
        base = self.type_named(_resolve(_required(derivation, "base"), prefixes))
        if not isinstance(base, ComplexType):
            raise SchemaError("complexContent must derive from a complex type")
        result.base = base
        result.derivation = _local(derivation.tag)
        own_particle: Particle | None = None
        own_attributes: list[AttributeUse] = []
        for child in derivation:
            tag = _local(child.tag)
            if tag in ("sequence", "choice", "all"):
                own_particle = self._particle(child, target, prefixes)
            elif tag == "attribute":
                own_attributes.append(self._attribute(child, target, prefixes))
            elif tag == "anyAttribute":
                result.attribute_wildcard = _wildcard(child)
            elif tag != "annotation":
                raise SchemaError(f"unsupported derivation construct <{tag}>")
        if own_particle is not None and _is_empty_particle(own_particle):
            own_particle = None
        if result.derivation == "extension":
            result.attributes = _merge_attributes(base.attributes, own_attributes)
            result.attribute_wildcard = result.attribute_wildcard or base.attribute_wildcard
            parts = [p for p in (base.particle, own_particle) if p is not None]
            if len(parts) == 2:
                result.particle = Particle(1, 1, ModelGroup("sequence", parts))
            elif parts:
                result.particle = parts[0]
            result.mixed = result.mixed or base.mixed
        else:
            result.attributes = _merge_attributes(base.attributes, own_attributes)
            result.particle = own_particle
        result.content = "element" if result.particle is not None else "empty"

    def _simple_content(self, result: ComplexType, node: ET.Element, target: str, prefixes: dict[str, str]) -> None:
        derivation = next(c for c in node if _local(c.tag) in ("extension", "restriction"))
        base = self.type_named(_resolve(_required(derivation, "base"), prefixes))
        result.base = base
        result.derivation = _local(derivation.tag)
        own: list[AttributeUse] = []
        for child in derivation:
            tag = _local(child.tag)
            if tag == "attribute":
                own.append(self._attribute(child, target, prefixes))
            elif tag == "anyAttribute":
                result.attribute_wildcard = _wildcard(child)
            elif tag != "annotation":
                raise SchemaError(f"unsupported simple content construct <{tag}>")
        if isinstance(base, ComplexType):
            result.attributes = _merge_attributes(base.attributes, own)
            result.simple_type = base.simple_type
        else:
            result.attributes = own
            result.simple_type = base
        result.content = "simple"

    def _attribute(self, node: ET.Element, target: str, prefixes: dict[str, str]) -> AttributeUse:
        ref = node.get("ref")
        if ref:
            qname = _resolve(ref, prefixes)
            decl, decl_target, decl_prefixes = self._lookup("attribute", qname)
            attribute_type = self._attribute_type(decl, decl_target, decl_prefixes)
        else:
            local = _required(node, "name")
            form = node.get("form")
            qualified = form == "qualified" if form else self._attributes_qualified.get(target, False)
            qname = (target if qualified else "", local)
            attribute_type = self._attribute_type(node, target, prefixes)
        return AttributeUse(name=qname, type=attribute_type, required=node.get("use") == "required")

    def _attribute_type(self, node: ET.Element, target: str, prefixes: dict[str, str]) -> SimpleType:
        type_ref = node.get("type")
        if type_ref:
            found = self.type_named(_resolve(type_ref, prefixes))
        else:
            inner = [c for c in node if _local(c.tag) == "simpleType"]
            found = self._simple_type(inner[0], target, prefixes, None) if inner else self._simple[(XS, "string")]
        if not isinstance(found, SimpleType):
            raise SchemaError("attribute types must be simple")
        return found

    def _particle(self, node: ET.Element, target: str, prefixes: dict[str, str]) -> Particle:
        low = int(node.get("minOccurs", "1"))
        high_text = node.get("maxOccurs", "1")
        high = None if high_text == "unbounded" else int(high_text)
        tag = _local(node.tag)
        term: Term
        if tag in ("sequence", "choice", "all"):
            term = ModelGroup(tag, [self._particle(c, target, prefixes) for c in node if _local(c.tag) != "annotation"])
        elif tag == "element":
            ref = node.get("ref")
            if ref:
                term = self.element(_resolve(ref, prefixes))
            else:
                local = _required(node, "name")
                form = node.get("form")
                qualified = form == "qualified" if form else self._elements_qualified.get(target, False)
                decl = ElementDecl(name=(target if qualified else "", local), type=self._simple[(XS, "anySimpleType")])
                decl.nillable = node.get("nillable") == "true"
                decl.type = self._element_type(node, target, prefixes, local)
                term = decl
        elif tag == "any":
            term = _wildcard(node)
        else:
            raise SchemaError(f"unsupported particle <{tag}>")
        return Particle(low, high, term)


def _merge_attributes(base: list[AttributeUse], own: list[AttributeUse]) -> list[AttributeUse]:
    merged = {a.name: a for a in base}
    merged.update({a.name: a for a in own})
    return list(merged.values())


def _is_empty_particle(particle: Particle) -> bool:
    term = particle.term
    return isinstance(term, ModelGroup) and all(_is_empty_particle(p) for p in term.particles)


def _wildcard(node: ET.Element) -> Wildcard:
    namespace = node.get("namespace", "##any")
    if namespace == "##any":
        return Wildcard("any")
    if namespace == "##other":
        return Wildcard("other")
    return Wildcard("list", tuple(namespace.split()))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _required(node: ET.Element, attribute: str) -> str:
    value = node.get(attribute)
    if value is None:
        raise SchemaError(f"<{_local(node.tag)}> lacks the attribute {attribute}")
    return value


def _prefixes(document: bytes) -> dict[str, str]:
    """Namespace prefixes declared anywhere in the document (the schemas declare them on the root only)."""
    found: dict[str, str] = {}
    for _event, (prefix, uri) in ET.iterparse(_BytesSource(document), events=("start-ns",)):
        found.setdefault(prefix, uri)
    return found


def _resolve(reference: str, prefixes: dict[str, str]) -> QName:
    prefix, _, local = reference.rpartition(":")
    if prefix not in prefixes and prefix:
        raise SchemaError(f"undeclared prefix in {reference!r}")
    return (prefixes.get(prefix, ""), local)


class _BytesSource:
    """A minimal file-like object so iterparse can read bytes without a temporary file."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        if size < 0:
            size = len(self._data) - self._offset
        chunk = self._data[self._offset : self._offset + size]
        self._offset += len(chunk)
        return chunk
