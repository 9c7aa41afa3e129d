"""The project's one JSON-LD writer: one subject's triples become one node object, fast,
exact and byte-stable.

Every JSON-LD document is ``{"@context": ..., "@graph": [node, node, ...]}``, one flat node
object per subject: the dump is written as a stream of them, part by part, and a small graph
(a data document, a named query's answer) by :func:`document_text`, so a subject reads the
same wherever it is written. :class:`NodeCompactor` produces those node objects straight
from pyoxigraph triples, following JSON-LD 1.1 (Processing Algorithms and API): the RDF to
object conversion of *Serialize RDF as JSON-LD* (``useNativeTypes`` and ``useRdfType`` false,
no list conversion) followed by *IRI Compaction*, *Term Selection* and *Value Compaction*,
restricted to what a flat document of node objects needs.

What it does, for a context of prefixes and terms (see ``ontology/context.jsonld``):

- a property's key is the term whose IRI is the predicate and whose coercion fits the value
  (``@type: @id``/``@vocab`` for IRIs and blank nodes, ``@type: <datatype>`` for literals of
  that datatype, ``@language`` for strings in that language, no coercion for anything the
  spec lets it hold); otherwise a compact IRI (shortest, then least; never one that is a term,
  has an empty suffix or a suffix starting with ``//``), otherwise the absolute IRI. Each value
  picks its own key, so a predicate can split over several keys;
- a value the term's coercion covers is a plain JSON string; any other value keeps its expanded
  form (``{"@id": ...}``, ``{"@value": ..., "@type": ...}``, ``{"@value": ..., "@language":
  ...}``). Lexical forms are kept as strings: ``"1.50"^^xsd:decimal`` never becomes a number;
- ``rdf:type`` with an IRI or blank node object becomes ``@type``, compacted vocabulary-relative
  (a term first, then a compact IRI);
- ``@id`` values are compact IRIs or absolute IRIs (the context has no ``@base``), blank nodes
  are ``_:label``;
- one value is written as itself, several as an array sorted by their canonical JSON text
  (duplicates dropped); a term with ``@container: @set`` always gets an array.

Context constructs it does not implement (``@vocab``, ``@base``, ``@reverse``, keyword aliases,
scoped contexts, ``@nest``, ``@index``, ``@direction``, ``@type: @json``/``@none`` and
language, index, id, type or graph containers, terms that look like other IRIs than their
own) are refused when the compactor is created, rather than compacted wrongly. So are
directional language strings, triple terms, and IRIs that would read back as compact IRIs
(``ex:thing`` when ``ex`` is a term).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_str  # json.dumps(str), C-accelerated
from typing import Any

import pyoxigraph as ox

from projectgraph.rdf.vocab import RDF_TYPE

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

# Indentation of a node object inside "@graph" when the document is written with indent=2.
NODE_INDENT = "    "

_GEN_DELIMS = frozenset(":/?#[]@")
_TERM_KEYS = frozenset({"@id", "@type", "@language", "@container", "@prefix", "@protected"})
_CONTEXT_KEYWORDS = frozenset({"@version", "@protected", "@language"})
# Containers of Term Selection (JSON-LD 1.1, IRI Compaction step 4), per kind of value.
_NODE_CONTAINERS = ("@id", "@id@set", "@type", "@set@type", "@set", "@none", "@index", "@index@set")
_NO_VALUE_CONTAINERS = ("@id", "@id@set", "@type", "@set@type", "@set", "@none")
_LANGUAGE_CONTAINERS = ("@language", "@language@set", "@set", "@none", "@index", "@index@set")
_TYPED_CONTAINERS = ("@set", "@none", "@index", "@index@set")
_STRING_CONTAINERS = ("@set", "@none", "@index", "@index@set", "@language", "@language@set")


# How a value is written under its key (see NodeCompactor._literal_slot and _node_slot).
_SCALAR, _TYPED, _LANGUAGE, _STRING = 0, 1, 2, 3
_ID_STRING, _VOCAB_STRING, _ID_OBJECT = 0, 1, 2

Subject = ox.NamedNode | ox.BlankNode
# What pyoxigraph may hand as a subject: RDF 1.2 triple terms too, which are refused.
AnySubject = ox.NamedNode | ox.BlankNode | ox.Triple


@dataclass(frozen=True, slots=True)
class _Definition:
    """A term definition of the active context, reduced to what compaction reads."""

    term: str
    iri: str
    type: str | None  # "@id", "@vocab", a datatype IRI, or None
    language: str | None  # lower-cased language mapping (None is "@language": null)
    has_language: bool
    container: str  # "@none", "@set" or "@list"
    prefix: bool


class _Context:
    """A processed JSON-LD context: term definitions, prefixes and the inverse context."""

    def __init__(self, context: dict[str, Any]) -> None:
        if not isinstance(context, dict):
            raise ValueError("the @context must be one JSON object (no arrays or remote contexts)")
        self.raw = context
        self.definitions: dict[str, _Definition] = {}
        self.defined: set[str] = set()  # every term, including those mapped to null
        self.default_language: str | None = None
        for key, value in context.items():
            if key.startswith("@"):
                self._keyword(key, value)
            else:
                self.defined.add(key)
        for term in sorted(self.defined):
            self._define(term, set())
        self.inverse = self._inverse()

    def _keyword(self, key: str, value: Any) -> None:
        if key not in _CONTEXT_KEYWORDS:
            raise ValueError(f"the context keyword {key} is not supported")
        if key == "@version" and value != 1.1:
            raise ValueError(f"@version must be 1.1, not {value!r}")
        if key == "@language":
            if value is not None and not isinstance(value, str):
                raise ValueError(f"@language must be a string or null, not {value!r}")
            self.default_language = value.lower() if value else None

    def _define(self, term: str, pending: set[str]) -> _Definition | None:
        """Create (once) the definition of ``term``; None for a term mapped to null."""
        if term in self.definitions:
            return self.definitions[term]
        value = self.raw[term]
        if value is None:
            return None
        if term in pending:
            raise ValueError(f"the definition of {term!r} is cyclic")
        if term == "" or term.startswith("_:"):
            raise ValueError(f"{term!r} cannot be a term")
        pending = pending | {term}
        simple = isinstance(value, str)
        if simple:
            value = {"@id": value}
        if not isinstance(value, dict):
            raise ValueError(f"the definition of {term!r} must be a string, an object or null")
        unknown = set(value) - _TERM_KEYS
        if unknown:
            raise ValueError(f"{term!r} uses {', '.join(sorted(unknown))}, which is not supported")
        iri_value = value.get("@id", term)
        if not isinstance(iri_value, str):
            raise ValueError(f"the @id of {term!r} must be a string")
        if iri_value.startswith("@"):
            raise ValueError(f"{term!r} is an alias of {iri_value}; aliases are not supported")
        iri = self._expand(iri_value, pending, skip_term=iri_value == term)
        if (":" in term or "/" in term) and self._expand(term, pending, skip_term=True) != iri:
            # JSON-LD 1.1: a term that looks like an IRI must mean that IRI.
            raise ValueError(f"{term!r} must map to the IRI it is written as, not {iri}")
        type_ = self._type(term, value.get("@type"), pending) if "@type" in value else None
        has_language = "@language" in value
        language = value.get("@language")
        if has_language and language is not None and not isinstance(language, str):
            raise ValueError(f"the @language of {term!r} must be a string or null")
        if has_language and type_ is not None:
            raise ValueError(f"{term!r} has both @type and @language")
        container = self._container(term, value.get("@container"))
        if "@prefix" in value:
            prefix = value["@prefix"]
            if not isinstance(prefix, bool) or (prefix and (":" in term or "/" in term)):
                raise ValueError(f"invalid @prefix in {term!r}")
        else:
            prefix = simple and ":" not in term and "/" not in term and iri[-1] in _GEN_DELIMS
        # "_:suffix" would be read as a blank node identifier, never as a compact IRI.
        prefix = prefix and term != "_"
        definition = _Definition(
            term=term,
            iri=iri,
            type=type_,
            language=language.lower() if isinstance(language, str) else None,
            has_language=has_language,
            container=container,
            prefix=prefix,
        )
        self.definitions[term] = definition
        return definition

    def _expand(self, value: str, pending: set[str], skip_term: bool = False) -> str:
        """Expand an IRI of the context vocabulary-relative (a term, a compact IRI or an IRI)."""
        if value.startswith("@"):
            raise ValueError(f"the keyword {value} cannot be used here")
        if value in self.defined and not skip_term:
            definition = self._define(value, pending)
            if definition is None:
                raise ValueError(f"{value!r} is mapped to null")
            return definition.iri
        prefix, colon, suffix = value.partition(":")
        if not colon:
            raise ValueError(f"{value!r} is not an IRI (no @vocab to resolve it against)")
        if prefix == "_":
            raise ValueError(f"{value!r}: terms mapped to blank nodes are not supported")
        if suffix.startswith("//") or prefix not in self.defined:
            return value
        definition = self._define(prefix, pending)
        if definition is None or not definition.prefix:
            # JSON-LD 1.0 would expand it with the term, 1.1 would not: refuse the ambiguity.
            raise ValueError(f"{value!r} uses {prefix!r}, which is not a prefix")
        return definition.iri + suffix

    def _type(self, term: str, value: Any, pending: set[str]) -> str:
        if not isinstance(value, str):
            raise ValueError(f"the @type of {term!r} must be a string")
        if value in ("@id", "@vocab"):
            return value
        if value.startswith("@"):
            raise ValueError(f"the @type {value} of {term!r} is not supported")
        return self._expand(value, pending)

    @staticmethod
    def _container(term: str, value: Any) -> str:
        if value is None:
            return "@none"
        values = [value] if isinstance(value, str) else value
        if values in (["@set"], ["@list"]):
            return values[0]
        raise ValueError(f"the @container {value!r} of {term!r} is not supported")

    def _inverse(self) -> dict[str, dict[str, tuple[dict[str, str], dict[str, str]]]]:
        """The inverse context: IRI -> container -> (language map, type map) -> term."""
        inverse: dict[str, dict[str, tuple[dict[str, str], dict[str, str]]]] = {}
        for d in sorted(self.definitions.values(), key=lambda d: (len(d.term), d.term)):
            language_map, type_map = inverse.setdefault(d.iri, {}).setdefault(d.container, ({}, {}))
            if d.type is not None:
                type_map.setdefault(d.type, d.term)
            elif d.has_language:
                language_map.setdefault(d.language or "@null", d.term)
            else:
                language_map.setdefault(self.default_language or "@none", d.term)
                language_map.setdefault("@none", d.term)
                type_map.setdefault("@none", d.term)
        return inverse

    def select(
        self, iri: str, containers: tuple[str, ...], by_type: bool, preferred: tuple[str, ...]
    ) -> _Definition | None:
        """Term Selection: the first term for a container, then a preferred type/language."""
        container_map = self.inverse.get(iri)
        if container_map is None:
            return None
        for container in containers:
            maps = container_map.get(container)
            if maps is None:
                continue
            value_map = maps[1] if by_type else maps[0]
            for item in preferred:
                term = value_map.get(item)
                if term is not None:
                    return self.definitions[term]
        return None


class NodeCompactor:
    """Compacts the triples of one subject at a time into a flat JSON-LD node object.

    ``context`` is the ``@context`` object the document is published with. The compactor
    keeps small caches (per predicate and kind of value, and of compacted IRIs), so reuse one
    instance for a whole dump.
    """

    _IRI_CACHE_LIMIT = 200_000

    def __init__(self, context: dict[str, Any]) -> None:
        self._context = _Context(context)
        ctx = self._context
        # Prefixes by namespace, and for each namespace the shorter namespaces it starts with:
        # every namespace an IRI starts with is the longest one or one of its ancestors.
        by_namespace: dict[str, list[str]] = {}
        for d in sorted(ctx.definitions.values(), key=lambda d: (len(d.term), d.term)):
            if d.prefix:
                by_namespace.setdefault(d.iri, []).append(d.term)
        self._namespaces: dict[str, list[tuple[str, list[str]]]] = {
            ns: [(other, by_namespace[other]) for other in by_namespace if ns.startswith(other)]
            for ns in by_namespace
        }
        longest_first = sorted(by_namespace, key=len, reverse=True)
        self._namespace_re = (
            re.compile("|".join(map(re.escape, longest_first))) if longest_first else None
        )
        self._has_vocab_terms = any(d.type == "@vocab" for d in ctx.definitions.values())
        # predicate -> language tag or datatype IRI -> (key, form, extra)
        self._literal_slots: dict[str, dict[str, tuple[str, int, Any]]] = {}
        # predicate -> (key, form), for values that do (not) compact to a term of their own
        self._node_slots: dict[str, tuple[str, int]] = {}
        self._vocab_node_slots: dict[str, tuple[str, int]] = {}
        self._id_cache: dict[str, str] = {}
        self._vocab_cache: dict[str, str] = {}
        self._set_keys = frozenset(
            d.term for d in ctx.definitions.values() if d.container == "@set"
        )

    # --- IRI compaction -------------------------------------------------------------------

    def _compact_iri(self, iri: str, value_is_null: bool) -> str:
        """IRI Compaction after term selection: a compact IRI, else the IRI itself."""
        ctx = self._context
        best: str | None = None
        match = self._namespace_re.match(iri) if self._namespace_re else None
        if match:
            for namespace, terms in self._namespaces[match.group()]:
                if len(namespace) == len(iri):
                    continue  # the IRI of a prefix is never written "prefix:"
                suffix = iri[len(namespace) :]
                if suffix.startswith("//"):
                    continue  # "prefix://..." would be read as an absolute IRI
                for term in terms:
                    candidate = f"{term}:{suffix}"
                    if candidate in ctx.defined:
                        same = ctx.definitions.get(candidate)
                        if not (value_is_null and same is not None and same.iri == iri):
                            continue
                    if best is None or (len(candidate), candidate) < (len(best), best):
                        best = candidate
                    break
        if best is not None:
            return best
        scheme, _, rest = iri.partition(":")
        if scheme in ctx.defined and not rest.startswith("//"):
            raise PrefixConfusion(
                f"the IRI {iri} would be read as a compact IRI (prefix {scheme!r})"
            )
        return iri

    def _key(self, predicate: str) -> str:
        """The key of a predicate no term fits: a compact IRI or the IRI."""
        key = self._compact_iri(predicate, value_is_null=False)
        if key in self._context.defined:
            # Only a term written as an IRI can be: it would coerce the value on reading.
            raise ValueError(f"the term {key!r} does not fit some value of {predicate}")
        return key

    def _compact_id(self, iri: str) -> str:
        """An IRI as an ``@id`` value (not vocabulary-relative)."""
        found = self._id_cache.get(iri)
        if found is None:
            if len(self._id_cache) >= self._IRI_CACHE_LIMIT:
                self._id_cache.clear()
            found = self._id_cache[iri] = self._compact_iri(iri, value_is_null=True)
        return found

    def _compact_vocab(self, iri: str) -> str:
        """An IRI compacted vocabulary-relative, with no value (``@type`` values, datatypes)."""
        found = self._vocab_cache.get(iri)
        if found is None:
            definition = self._context.select(iri, _NO_VALUE_CONTAINERS, True, ("@id", "@none"))
            found = definition.term if definition else self._compact_iri(iri, value_is_null=True)
            if len(self._vocab_cache) >= self._IRI_CACHE_LIMIT:
                self._vocab_cache.clear()
            self._vocab_cache[iri] = found
        return found

    # --- keys and value forms, per predicate and kind of value ---------------------------

    def _literal_slot(self, predicate: str, kind: str) -> tuple[str, int, Any]:
        """Key and form of a literal whose language tag or datatype IRI is ``kind``:
        (key, form, extra), extra being the compacted datatype (form _TYPED) or the
        language (form _LANGUAGE)."""
        ctx = self._context
        language = None if ":" in kind else kind  # a language tag never holds a colon
        datatype = None if language is not None or kind == XSD_STRING else kind
        if language is not None:
            definition = ctx.select(predicate, _LANGUAGE_CONTAINERS, False, (language, "@none"))
        elif datatype is None:
            definition = ctx.select(predicate, _STRING_CONTAINERS, False, ("@null", "@none"))
        else:
            definition = ctx.select(predicate, _TYPED_CONTAINERS, True, (datatype, "@none"))
        key = definition.term if definition else self._key(predicate)
        # Value Compaction, with the term's mappings (none for a compact IRI or an IRI).
        if definition is not None and definition.has_language:
            expected_language = definition.language
        else:
            expected_language = ctx.default_language
        slot: tuple[str, int, Any]
        if datatype is not None:
            if definition is not None and definition.type == datatype:
                slot = (key, _SCALAR, None)
            else:
                slot = (key, _TYPED, self._compact_vocab(datatype))
        elif language is not None:
            form = _SCALAR if language == expected_language else _LANGUAGE
            slot = (key, form, language)
        else:
            slot = (key, _SCALAR if expected_language is None else _STRING, None)
        self._literal_slots.setdefault(predicate, {})[kind] = slot
        return slot

    def _node_slot(self, predicate: str, vocab_first: bool) -> tuple[str, int]:
        """Key and form of an IRI or blank node value."""
        preferred = ("@vocab", "@id", "@none") if vocab_first else ("@id", "@vocab", "@none")
        definition = self._context.select(predicate, _NODE_CONTAINERS, True, preferred)
        if definition is None:
            slot = (self._key(predicate), _ID_OBJECT)
        elif definition.type == "@id":
            slot = (definition.term, _ID_STRING)
        elif definition.type == "@vocab":
            slot = (definition.term, _VOCAB_STRING)
        else:
            slot = (definition.term, _ID_OBJECT)
        (self._vocab_node_slots if vocab_first else self._node_slots)[predicate] = slot
        return slot

    def _vocab_first(self, term: ox.NamedNode | ox.BlankNode) -> bool:
        """Whether an IRI value compacts to a term of its own (then ``@vocab`` terms win)."""
        if not self._has_vocab_terms or type(term) is ox.BlankNode:
            return False
        definition = self._context.definitions.get(self._compact_vocab(term.value))
        return definition is not None and definition.iri == term.value

    # --- node objects ---------------------------------------------------------------------

    def node(self, subject: Subject, triples: Iterable[ox.Triple]) -> dict[str, Any]:
        """The node object of ``subject`` holding ``triples`` (all of which must have it)."""
        triples = list(triples)
        for t in triples:
            if t.subject != subject:
                raise ValueError(f"{t} is not about {subject}")
        return self._node_or_plain(subject, triples)

    def nodes(self, triples: Iterable[ox.Triple]) -> Iterator[dict[str, Any]]:
        """One node object per subject of ``triples`` (in any order, repeats allowed), ordered
        by :func:`subject_key`; the same set of triples always gives the same nodes."""
        groups: dict[AnySubject, list[ox.Triple]] = {}
        for t in triples:
            group = groups.get(t.subject)
            if group is None:
                groups[t.subject] = [t]
            else:
                group.append(t)
        for subject in sorted(groups, key=subject_key):
            yield self._node_or_plain(subject, groups[subject])

    def _node_or_plain(self, subject: AnySubject, triples: list[ox.Triple]) -> dict[str, Any]:
        """The compacted node; or, when one of its IRIs (``geo:1,2`` beside a ``geo`` prefix)
        would be read back as a compact IRI, the node with ``"@context": null`` and every IRI
        written in full: JSON-LD has no escape for such an IRI, and refusing the node would
        fail a whole data document or dump over one value."""
        try:
            return self._node(subject, triples)
        except PrefixConfusion:
            node = _plain_compactor()._node(subject, triples)
            return {"@context": None, **node}

    def _node(self, subject: AnySubject, triples: list[ox.Triple]) -> dict[str, Any]:
        # The loop runs once per triple: locals, cached slots and no calls on the common path.
        literal_slots = self._literal_slots
        node_slots = self._node_slots
        id_cache = self._id_cache
        vocab_cache = self._vocab_cache
        has_vocab_terms = self._has_vocab_terms
        literal, named_node, blank_node = ox.Literal, ox.NamedNode, ox.BlankNode
        types: list[str] = []
        values: dict[str, list[Any]] = {}
        for t in triples:
            p = t.predicate.value
            o = t.object
            value: Any
            # type() is: cheaper than isinstance (no subclasses to allow for), and mypy narrows it.
            if type(o) is literal:
                language = o.language
                if language is None:
                    slot_kind = o.datatype.value
                elif o.direction is None:
                    slot_kind = language
                else:
                    raise ValueError(f"directional language strings are not supported: {o}")
                by_predicate = literal_slots.get(p)
                slot = by_predicate.get(slot_kind) if by_predicate is not None else None
                if slot is None:
                    slot = self._literal_slot(p, slot_kind)
                key, form, extra = slot
                if form == _SCALAR:
                    value = o.value
                elif form == _TYPED:
                    value = {"@type": extra, "@value": o.value}
                elif form == _LANGUAGE:
                    value = {"@language": extra, "@value": o.value}
                else:
                    value = {"@value": o.value}
            elif type(o) is named_node:
                iri = o.value
                if p == RDF_TYPE:
                    compacted = vocab_cache.get(iri)
                    types.append(compacted if compacted is not None else self._compact_vocab(iri))
                    continue
                if has_vocab_terms and self._vocab_first(o):
                    node_slot = self._vocab_node_slots.get(p) or self._node_slot(p, True)
                else:
                    node_slot = node_slots.get(p) or self._node_slot(p, False)
                key, form = node_slot
                if form == _VOCAB_STRING:
                    value = self._compact_vocab(iri)
                else:
                    value = id_cache.get(iri)
                    if value is None:
                        value = self._compact_id(iri)
                    if form == _ID_OBJECT:
                        value = {"@id": value}
            elif type(o) is blank_node:
                value = "_:" + o.value
                if p == RDF_TYPE:
                    types.append(value)
                    continue
                key, form = node_slots.get(p) or self._node_slot(p, False)
                if form == _ID_OBJECT:
                    value = {"@id": value}
            else:
                raise TypeError(f"cannot write {o!r} in a JSON-LD node object")
            found = values.get(key)
            if found is None:
                values[key] = [value]
            else:
                found.append(value)

        node: dict[str, Any] = {"@id": self._subject_id(subject)}
        if types:
            node["@type"] = types[0] if len(types) == 1 else _sorted_unique(types)
        set_keys = self._set_keys
        for key in sorted(values):
            found = values[key]
            if len(found) > 1:
                found = _sorted_unique(found)
            node[key] = found if len(found) > 1 or key in set_keys else found[0]
        return node

    def _subject_id(self, subject: AnySubject) -> str:
        if isinstance(subject, ox.NamedNode):
            return self._compact_id(subject.value)
        if isinstance(subject, ox.BlankNode):
            return "_:" + subject.value
        raise TypeError(f"cannot write {subject!r} as the @id of a node object")


def shared_compactor(context: dict[str, Any]) -> NodeCompactor:
    """The compactor of ``context``, made once per process and context and kept: processing a
    context takes milliseconds, more than compacting a page or a part of the dump. Sharing is
    safe across threads, as its caches only ever hold what it would compute again."""
    global _last
    last = _last
    # The same context object comes back on every request and every dump part: recognise it
    # by identity first (the text key below costs ~110 us a call, 11 s of a 100,000-part dump;
    # contexts are loaded once and never changed in place).
    if last is not None and last[0] is context:
        return last[1]
    compactor = _compactor(json.dumps(context, sort_keys=True, ensure_ascii=False))
    _last = (context, compactor)
    return compactor


_last: tuple[dict[str, Any], NodeCompactor] | None = None


@functools.cache
def _plain_compactor() -> NodeCompactor:
    """The compactor of the empty context: every IRI in full, nothing read as a prefix."""
    return NodeCompactor({})


class PrefixConfusion(ValueError):
    """An IRI whose scheme is a prefix of the context, so its text would be read back as a
    compact IRI (the JSON-LD API's "IRI confused with prefix")."""


@functools.lru_cache(maxsize=8)
def _compactor(context_text: str) -> NodeCompactor:
    return NodeCompactor(json.loads(context_text))


def subject_key(subject: AnySubject) -> str:
    """The order of node objects: the subject in N-Triples (``<iri>`` or ``_:label``), the
    first part of :func:`projectgraph.build.assemble.triple_key`, so sorted triples give sorted
    nodes."""
    return str(subject)


def _canonical(value: Any) -> str:
    """The canonical JSON text of a value (the sort key of arrays)."""
    if type(value) is str:
        return _encode_str(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _sorted_unique(values: list[Any]) -> list[Any]:
    """Values sorted by canonical JSON text, each once."""
    keyed = sorted((_canonical(v), i) for i, v in enumerate(values))
    out: list[Any] = []
    previous = None
    for text, i in keyed:
        if text != previous:
            out.append(values[i])
            previous = text
    return out


# --- text ---------------------------------------------------------------------------------


def node_json(node: dict[str, Any]) -> str:
    """The text of one node object as it stands inside ``"@graph"``: exactly what
    ``json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False)`` writes for it,
    first line included (indented by :data:`NODE_INDENT`), with no trailing newline."""
    out: list[str] = [NODE_INDENT]
    _write(node, NODE_INDENT, out)
    return "".join(out)


def _write(value: Any, indent: str, out: list[str]) -> None:
    """Append ``value`` as json.dumps(indent=2, sort_keys=True, ensure_ascii=False) does."""
    kind = type(value)
    if kind is str:
        out.append(_encode_str(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        separator = "{\n" + inner
        for key in sorted(value):
            if type(key) is not str:
                raise TypeError(f"node object keys must be strings, not {key!r}")
            item = value[key]
            if type(item) is str:  # most values: written here, not by a call per value
                out.append(f"{separator}{_encode_str(key)}: {_encode_str(item)}")
            else:
                out.append(f"{separator}{_encode_str(key)}: ")
                _write(item, inner, out)
            separator = ",\n" + inner
        out.append("\n" + indent + "}")
    elif kind is list:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        separator = "[\n" + inner
        for item in value:
            if type(item) is str:
                out.append(separator + _encode_str(item))
            else:
                out.append(separator)
                _write(item, inner, out)
            separator = ",\n" + inner
        out.append("\n" + indent + "]")
    elif value is None or kind is bool or kind is int or kind is float:
        out.append(json.dumps(value))
    else:
        raise TypeError(f"cannot write {value!r} in a node object")


def document_text(triples: Iterable[ox.Triple], context: dict[str, Any]) -> str:
    """A whole graph as one JSON-LD document compacted with ``context``: its node objects in
    :func:`subject_key` order, written as the dump writes them (the dump streams the same
    nodes part by part, so a subject reads the same in both)."""
    nodes = shared_compactor(context).nodes(triples)
    return "".join(document_chunks(context, (node_json(n) for n in nodes)))


def document_head(context: dict[str, Any]) -> str:
    """What a document written by :func:`document_chunks` starts with, up to its first node."""
    context_text = json.dumps(context, indent=2, sort_keys=True, ensure_ascii=False)
    return '{\n  "@context": ' + context_text.replace("\n", "\n  ") + ',\n  "@graph": ['


def node_separator(first: bool) -> str:
    """What comes before a node's text in a document: a line end, and a comma but for the
    first node."""
    return "\n" if first else ",\n"


def document_tail(empty: bool) -> str:
    """What a document ends with after its last node (or after its head, when ``empty``)."""
    return "]\n}\n" if empty else "\n  ]\n}\n"


def document_chunks(context: dict[str, Any], node_texts: Iterable[str]) -> Iterator[str]:
    """The whole document ``{"@context": context, "@graph": [...]}`` as text chunks, from
    the :func:`node_json` texts of its nodes in order. Joined, the chunks are exactly
    ``json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\\n"``."""
    yield document_head(context)
    first = True
    for text in node_texts:
        yield node_separator(first)
        yield text
        first = False
    yield document_tail(first)
