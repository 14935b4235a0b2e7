"""EXI 1.0 schema-informed grammars (§8.5.4) for one schema set, in the form the runtime interprets.

Element content is turned into a deterministic automaton with the Glushkov construction. Element particles that
repeat (maxOccurs > 1) keep one position with a counter instead of being unrolled: a state entered through such a
position behaves three ways (below minOccurs, in range, at maxOccurs), which reproduces the unrolled grammar's
event codes without 1024 copies of a state. Event codes follow EXI §8.5.4.4.2 as EXIficient assigns them:
attributes sorted by qname, then start elements in the schema order of their particles (substitution-group members
sorted by qname at the head's place), then wildcards, EE, CH. The ISO 15118 profile is non-strict, so every element
state reserves one more code for the second level (the reference SessionSetupReq bytes show it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .datatypes import DatatypeSpec, datatype_of
from .xsd import (
    XS,
    AttributeUse,
    ComplexType,
    ElementDecl,
    ModelGroup,
    Particle,
    SchemaError,
    SchemaSet,
    SimpleType,
    Wildcard,
)

# Production kinds; the runtime uses the same numbers.
AT, SE, EE, CH, SE_ANY, CH_MIXED = 0, 1, 2, 3, 4, 5
# Bounded repetitions of model groups are unrolled; above this they would blow up the automaton.
MAX_UNROLLED_GROUP = 16
# From this maxOccurs on, the state reached after the last allowed occurrence still offers the element, as the Java
# reference codec (EXIficient on Xerces' content models) builds it: its bytes differ from the unrolled grammar only
# there. Measured: maxOccurs 2..128 end exactly, 1024 and 2048 do not. The only -20 particle in between is WPT's
# maxOccurs 255, which the reference codec cannot encode; it is treated as exact.
OPEN_ENDED_MAX_OCCURS = 1024


def qname_key(name: tuple[str, str]) -> tuple[str, str]:
    """EXI sorts qnames by local name first, then by namespace URI."""
    return (name[1], name[0])


@dataclass(eq=False)
class _Position:
    index: int
    rank: int
    labels: list[ElementDecl]  # the element and its substitution group, sorted by qname
    wildcard: Wildcard | None = None
    counted: tuple[int, int | None] | None = None


@dataclass
class Production:
    kind: int
    key: str
    ref: int | None  # element grammar index (SE) or datatype index (AT, CH)
    next: int | None  # state index; None ends the element
    namespace: str = ""  # an attribute's namespace: with its name, the string-table partition of its values


@dataclass
class View:
    productions: list[Production]


@dataclass
class State:
    views: list[View]  # [in range] or [in range, below minOccurs, at maxOccurs]
    loop: tuple[int, int | None] | None = None  # (minOccurs, maxOccurs) when entered through a counted position


@dataclass
class TypeGrammar:
    name: str
    states: list[State]
    keys: list[str]  # document keys in the order an encoder visits them
    lists: set[str]  # keys whose values repeat
    content: str
    namespace: str = ""  # where the type is declared (anonymous types: where their element is)


@dataclass
class ElementGrammar:
    name: tuple[str, str]
    simple: int | None  # datatype index for simple-typed elements
    complex: int | None  # type grammar index
    abstract: bool = False  # may appear in a grammar (EXIficient lists substitution heads) but not in a document


@dataclass
class NamespaceGrammars:
    """Everything the runtime needs for one root schema: datatypes, type and element grammars, document roots."""

    datatypes: list[DatatypeSpec] = field(default_factory=list)
    datatype_names: list[tuple[str, str] | None] = field(default_factory=list)  # first simple type with that spec
    types: list[TypeGrammar] = field(default_factory=list)
    elements: list[ElementGrammar] = field(default_factory=list)
    roots: list[int] = field(default_factory=list)  # element grammar indices in DocContent event-code order
    # EXI fragments (§8.5.2): every element qname of the schema set, sorted; -1 where one qname is declared with
    # different grammars (the relaxed fragment grammar, not supported). Signatures encode SignedInfo this way.
    fragment_roots: list[int] = field(default_factory=list)


class GrammarBuilder:
    def __init__(self, schemas: SchemaSet) -> None:
        self._schemas = schemas
        self.result = NamespaceGrammars()
        self._datatype_index: dict[DatatypeSpec, int] = {}
        self._type_index: dict[int, int] = {}
        self._element_index: dict[int, int] = {}
        self._element_types: dict[int, ComplexType | SimpleType] = {}

    def build(self) -> NamespaceGrammars:
        globals_sorted = sorted(self._schemas.global_elements, key=lambda d: qname_key(d.name))
        self.result.roots = [self.element(decl) for decl in globals_sorted]
        # Named types no element uses still declare local elements, and those belong to the fragment grammar.
        for named in self._schemas.named_types:
            if isinstance(named, ComplexType):
                self.complex_type(named)
        by_name: dict[tuple[str, str], int] = {}
        for index, element in enumerate(self.result.elements):
            known = by_name.get(element.name)
            if known is None:
                by_name[element.name] = index
            elif known >= 0 and not self._same_type(known, index):
                by_name[element.name] = -1
        self.result.fragment_roots = [by_name[name] for name in sorted(by_name, key=qname_key)]
        return self.result

    def _same_type(self, first: int, second: int) -> bool:
        """Two declarations of one qname share a grammar only with the same named type (EXI 1.0 §8.5.3)."""
        a, b = self._element_types[first], self._element_types[second]
        return a.name is not None and a is b

    # -- registries ------------------------------------------------------------------------------------------------
    def datatype(self, simple: SimpleType) -> int:
        spec = datatype_of(simple)
        if spec not in self._datatype_index:
            self._datatype_index[spec] = len(self.result.datatypes)
            self.result.datatypes.append(spec)
            named = next((t.name for t in simple.chain() if t.name is not None and t.name[0] != XS), None)
            self.result.datatype_names.append(named)
        return self._datatype_index[spec]

    def element(self, decl: ElementDecl) -> int:
        known = self._element_index.get(id(decl))
        if known is not None:
            return known
        index = len(self.result.elements)
        self._element_index[id(decl)] = index
        # An element whose type is abstract is as unusable in a document as an abstract element.
        unusable = decl.abstract or (isinstance(decl.type, ComplexType) and decl.type.abstract)
        grammar = ElementGrammar(name=decl.name, simple=None, complex=None, abstract=unusable)
        self._element_types[index] = decl.type
        self.result.elements.append(grammar)
        if isinstance(decl.type, SimpleType):
            grammar.simple = self.datatype(decl.type)
        else:
            grammar.complex = self.complex_type(decl.type, decl.name[0])
        return index

    def complex_type(self, ctype: ComplexType, owner_namespace: str = "") -> int:
        known = self._type_index.get(id(ctype))
        if known is not None:
            return known
        index = len(self.result.types)
        self._type_index[id(ctype)] = index
        name = ctype.name[1] if ctype.name else f"{ctype.anonymous_for}@type"
        placeholder = TypeGrammar(name=name, states=[], keys=[], lists=set(), content=ctype.content)
        self.result.types.append(placeholder)
        built = _TypeBuilder(self, ctype, name).build()
        built.namespace = ctype.name[0] if ctype.name else owner_namespace
        self.result.types[index] = built
        return index


class _TypeBuilder:
    """Builds the grammar of one complex type: attribute states, then the content automaton."""

    def __init__(self, owner: GrammarBuilder, ctype: ComplexType, name: str) -> None:
        self._owner = owner
        self._ctype = ctype
        self._name = name
        self._states: list[State] = []
        self._positions: list[_Position] = []
        self._ranks: dict[tuple[str, str], int] = {}
        self._keys: list[str] = []
        self._lists: set[str] = set()
        self._seen_names: set[tuple[str, str]] = set()

    def build(self) -> TypeGrammar:
        ctype = self._ctype
        if ctype.attribute_wildcard is not None:
            raise SchemaError(f"{self._name}: attribute wildcards are not supported")
        attributes = sorted(ctype.attributes, key=lambda a: qname_key(a.name))
        for attribute in attributes:
            self._add_key(attribute.name[1], repeated=False)
        self._states.append(State(views=[View([])]))  # state 0: the first start tag, filled last
        content_start = self._content()
        start_productions = self._attribute_chain(attributes, content_start)
        self._states[0] = State(views=[View(start_productions)])
        return TypeGrammar(
            name=self._name, states=self._states, keys=self._keys, lists=self._lists, content=ctype.content
        )

    def _add_key(self, key: str, repeated: bool) -> None:
        if key in self._keys:
            raise SchemaError(f"{self._name}: the name {key} is used twice in one content model")
        self._keys.append(key)
        if repeated:
            self._lists.add(key)

    def _new_state(self, state: State) -> int:
        self._states.append(state)
        return len(self._states) - 1

    # -- attributes ------------------------------------------------------------------------------------------------
    def _attribute_chain(self, attributes: list[AttributeUse], content_start: list[Production]) -> list[Production]:
        """Attribute uses sorted by qname, each optional one skippable (EXI §8.5.4.1.3.1)."""
        following = list(content_start)
        for attribute in reversed(attributes):
            target = self._new_state(State(views=[View(following)]))
            datatype = self._owner.datatype(attribute.type)
            production = Production(AT, attribute.name[1], datatype, target, attribute.name[0])
            current = [production]
            if not attribute.required:
                current += [p for p in following]
            following = current
        return following

    # -- content ---------------------------------------------------------------------------------------------------
    def _content(self) -> list[Production]:
        ctype = self._ctype
        if ctype.content == "empty":
            return [Production(EE, "", None, None)]
        if ctype.content == "simple":
            if ctype.simple_type is None:
                raise SchemaError(f"{self._name}: simple content without a type")
            self._add_key("value", repeated=False)
            end = self._new_state(State(views=[View([Production(EE, "", None, None)])]))
            return [Production(CH, "value", self._owner.datatype(ctype.simple_type), end)]
        if ctype.particle is None:
            raise SchemaError(f"{self._name}: element content without a particle")
        if isinstance(ctype.particle.term, ModelGroup) and ctype.particle.term.compositor == "all":
            raise SchemaError(f"{self._name}: xs:all is not supported")
        root = self._node(ctype.particle)
        return self._automaton(root)

    def _node(self, particle: Particle, in_repeated_group: bool = False) -> _Node:
        term = particle.term
        if isinstance(term, (ElementDecl, Wildcard)):
            repeated = in_repeated_group or particle.max is None or particle.max > 1
            position = self._position(term, repeated)
            if particle.max == 1:
                leaf: _Node = _Leaf(position)
                return leaf if particle.min >= 1 else _Opt(leaf)
            open_ended = particle.max is not None and particle.max >= OPEN_ENDED_MAX_OCCURS
            position.counted = (particle.min, None if open_ended else particle.max)
            return _Leaf(position)
        copies_min = particle.min
        if particle.max is not None and particle.max > MAX_UNROLLED_GROUP:
            raise SchemaError(f"{self._name}: a model group repeating {particle.max} times is not supported")
        group_repeats = in_repeated_group or particle.max is None or particle.max > 1
        required = [self._group(term, group_repeats) for _ in range(copies_min)]
        if particle.max is None:
            tail: _Node | None = _Star(self._group(term, group_repeats))
        else:
            tail = None
            for _ in range(particle.max - copies_min):
                copy = self._group(term, group_repeats)
                inner = copy if tail is None else _Seq([copy, tail])
                tail = _Opt(inner)
        parts = required + ([tail] if tail is not None else [])
        if not parts:
            return _Seq([])
        return parts[0] if len(parts) == 1 else _Seq(parts)

    def _group(self, group: ModelGroup, repeated: bool) -> _Node:
        children = [self._node(p, repeated) for p in group.particles]
        if group.compositor == "sequence":
            return _Seq(children)
        if group.compositor == "choice":
            return _Alt(children)
        raise SchemaError(f"{self._name}: nested xs:all is not supported")

    def _position(self, term: ElementDecl | Wildcard, repeated: bool) -> _Position:
        if isinstance(term, Wildcard):
            rank = self._ranks.setdefault(("*", str(id(term))), len(self._ranks))
            position = _Position(len(self._positions), rank, [], wildcard=term)
        else:
            # Ranked by qname: a name declared twice in one model (xmldsig PGPData) keeps its first place.
            rank = self._ranks.setdefault(term.name, len(self._ranks))
            labels = [term, *self._owner._schemas.substitution_members.get(term.name, [])]
            labels.sort(key=lambda d: qname_key(d.name))
            position = _Position(len(self._positions), rank, labels)
            for label in labels:
                if label.name[1] in self._keys and label.name not in self._seen_names:
                    raise SchemaError(f"{self._name}: the name {label.name[1]} is used twice in one content model")
                if label.name[1] not in self._keys:
                    self._add_key(label.name[1], repeated)
                elif repeated:
                    self._lists.add(label.name[1])
                self._seen_names.add(label.name)
        self._positions.append(position)
        return position

    def _automaton(self, root: _Node) -> list[Production]:
        analysis = _Glushkov(root, len(self._positions))
        start = analysis.first(root)
        states: dict[frozenset[int], int] = {}
        pending: list[frozenset[int]] = []

        def state_for(positions: frozenset[int]) -> int:
            if positions not in states:
                states[positions] = self._new_state(State(views=[]))
                pending.append(positions)
            return states[positions]

        def productions(candidates: set[int], final: bool, self_loop: _Position | None) -> list[Production]:
            by_label: dict[tuple[str, str], tuple[tuple[int, int], ElementDecl, set[int]]] = {}
            wildcard_targets: set[int] = set()
            for index in candidates:
                position = self._positions[index]
                if position.wildcard is not None:
                    if position.wildcard.constraint == "list":
                        raise SchemaError(f"{self._name}: namespace-list wildcards are not supported")
                    wildcard_targets.add(index)
                    continue
                for order, label in enumerate(position.labels):
                    entry = by_label.setdefault(label.name, ((position.rank, order), label, set()))
                    entry[2].add(index)
            result: list[Production] = []
            for _sort_key, label, targets in sorted(by_label.values(), key=lambda e: e[0]):
                if self_loop is not None and targets == {self_loop.index}:
                    next_state = states[frozenset(targets)]
                else:
                    next_state = state_for(frozenset(targets))
                result.append(Production(SE, label.name[1], self._owner.element(label), next_state))
            if wildcard_targets:
                result.append(Production(SE_ANY, "*", None, state_for(frozenset(wildcard_targets))))
            if final:
                result.append(Production(EE, "", None, None))
            if self._ctype.mixed:
                result.append(Production(CH_MIXED, "", None, None))
            return result

        start_productions = productions(start, analysis.nullable(root), None)
        while pending:
            positions = pending.pop(0)
            index = states[positions]
            counted = [self._positions[i] for i in positions if self._positions[i].counted is not None]
            follow: set[int] = set()
            for i in positions:
                follow |= analysis.follow[i]
            final = any(i in analysis.last_root for i in positions)
            if counted:
                if len(positions) != 1:
                    raise SchemaError(f"{self._name}: a repeated element shares a state with another position")
                position = counted[0]
                if position.index in follow:
                    raise SchemaError(f"{self._name}: a repeated element may follow itself through a group")
                low, high = position.counted or (0, None)
                own = {position.index}
                in_range = productions(own | follow, final, position)
                below = productions(own, False, position)
                at_max = productions(follow, final, None)
                self._states[index] = State(views=[View(in_range), View(below), View(at_max)], loop=(low, high))
            else:
                self._states[index] = State(views=[View(productions(follow, final, None))])
        return start_productions


# -- Glushkov construction over a small regular-expression tree -----------------------------------------------------
class _Node:
    pass


@dataclass(eq=False)
class _Leaf(_Node):
    position: _Position


@dataclass(eq=False)
class _Seq(_Node):
    children: list[_Node]


@dataclass(eq=False)
class _Alt(_Node):
    children: list[_Node]


@dataclass(eq=False)
class _Opt(_Node):
    child: _Node


@dataclass(eq=False)
class _Star(_Node):
    child: _Node


class _Glushkov:
    def __init__(self, root: _Node, size: int) -> None:
        self.follow: list[set[int]] = [set() for _ in range(size)]
        self._walk(root)
        self.last_root = self.last(root)

    def nullable(self, node: _Node) -> bool:
        if isinstance(node, _Leaf):
            counted = node.position.counted
            return counted is not None and counted[0] == 0
        if isinstance(node, _Seq):
            return all(self.nullable(c) for c in node.children)
        if isinstance(node, _Alt):
            return any(self.nullable(c) for c in node.children)
        return True  # _Opt, _Star

    def first(self, node: _Node) -> set[int]:
        if isinstance(node, _Leaf):
            return {node.position.index}
        if isinstance(node, _Seq):
            out: set[int] = set()
            for child in node.children:
                out |= self.first(child)
                if not self.nullable(child):
                    break
            return out
        if isinstance(node, _Alt):
            return set().union(*(self.first(c) for c in node.children)) if node.children else set()
        assert isinstance(node, (_Opt, _Star))
        return self.first(node.child)

    def last(self, node: _Node) -> set[int]:
        if isinstance(node, _Leaf):
            return {node.position.index}
        if isinstance(node, _Seq):
            out: set[int] = set()
            for child in reversed(node.children):
                out |= self.last(child)
                if not self.nullable(child):
                    break
            return out
        if isinstance(node, _Alt):
            return set().union(*(self.last(c) for c in node.children)) if node.children else set()
        assert isinstance(node, (_Opt, _Star))
        return self.last(node.child)

    def _walk(self, node: _Node) -> None:
        if isinstance(node, _Seq):
            for child in node.children:
                self._walk(child)
            for i, child in enumerate(node.children):
                ahead: set[int] = set()
                for later in node.children[i + 1 :]:
                    ahead |= self.first(later)
                    if not self.nullable(later):
                        break
                for p in self.last(child):
                    self.follow[p] |= ahead
        elif isinstance(node, _Alt):
            for child in node.children:
                self._walk(child)
        elif isinstance(node, _Opt):
            self._walk(node.child)
        elif isinstance(node, _Star):
            self._walk(node.child)
            for p in self.last(node.child):
                self.follow[p] |= self.first(node.child)


def build_namespace(schemas: SchemaSet) -> NamespaceGrammars:
    """The grammars of one root schema and its imports."""
    builder = GrammarBuilder(schemas)
    return builder.build()


__all__ = ["AT", "CH", "CH_MIXED", "EE", "SE", "SE_ANY", "XS", "NamespaceGrammars", "build_namespace"]
