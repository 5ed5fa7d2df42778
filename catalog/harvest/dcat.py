"""The directory as DCAT-AP 3 in JSON-LD: a dcat:Catalog whose datasets are the listed resources, a page at
a time (a hydra:PartialCollectionView links the pages, as data.europa.eu's harvester follows them), and one
dataset on its own. The @context is inline: a harvester never fetches one.

The guide's fields → DCAT-AP 3 (docs/design.md, "Harvestable" has the table): the code is dct:identifier,
the provider the dct:publisher (foaf:Agent) and the dcat:contactPoint (vcard), the classification a
dcat:theme in the guide's own concept scheme, the update cycle dct:accrualPeriodicity, the share type and
open attribute dct:accessRights, each format a dcat:Distribution. DCAT-AP 3 has no property for a
dataset's columns, so the data items are a CSVW table schema (csvw:tableSchema), the W3C's vocabulary for
them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from blocklake.vocabulary import CLASSIFICATION_CLASSES
from catalog.harvest import terms
from catalog.models import Department, Resource

CONTEXT: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "csvw": "http://www.w3.org/ns/csvw#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
MEDIA_TYPE = "application/ld+json"
LANGUAGE = "zh"
CATALOG_TITLE = "政务数据资源目录"
CATALOG_DESCRIPTION = ("本区政务信息资源目录（依《政务信息资源目录编制指南》编制）："
                       "资源的元数据、提供部门与共享属性，不含数据本身。")
SCHEME_TITLE = "政务信息资源分类（类、项、目、细目）"
LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
IANA_MEDIA_TYPES = "https://www.iana.org/assignments/media-types/"
Node = dict[str, Any]


def text(value: str) -> Node:
    return {"@value": value, "@language": LANGUAGE}


def iri(value: str, *types: str) -> Node:
    return {"@id": value, "@type": list(types)} if types else {"@id": value}


def catalog_page(resources: Sequence[Resource], *, total: int, page: int, per_page: int, publisher: Department | None,
                 links: terms.Links) -> Node:
    """One page of the catalog (the bureau its publisher): its datasets, and the view linking the pages."""
    catalog: Node = {
        "@id": catalog_iri(links), "@type": ["dcat:Catalog", "hydra:Collection"],
        "dct:title": text(f"{publisher.name if publisher else ''}{CATALOG_TITLE}"),
        "dct:description": text(CATALOG_DESCRIPTION),
        "dct:publisher": agent(publisher, links) if publisher else {"@type": "foaf:Agent",
                                                                     "foaf:name": text(CATALOG_TITLE)},
        "foaf:homepage": iri(links.base, "foaf:Document"),
        "dcat:themeTaxonomy": {"@id": scheme_iri(links), "@type": "skos:ConceptScheme",
                               "dct:title": text(SCHEME_TITLE)},
        "hydra:totalItems": total,
        "hydra:view": paging(catalog_iri(links), page=page, per_page=per_page, total=total),
        "dcat:dataset": [dataset(resource, links) for resource in resources],
    }
    return {"@context": CONTEXT, **catalog}


def paging(home: str, *, page: int, per_page: int, total: int) -> Node:
    """This page as a hydra:PartialCollectionView: first and last pages, previous and next where there are."""
    last = max((total + per_page - 1) // per_page, 1)

    def page_url(number: int) -> str:
        return f"{home}?page={number}&per_page={per_page}"

    view: Node = {"@id": page_url(page), "@type": "hydra:PartialCollectionView",
                  "hydra:first": iri(page_url(1)), "hydra:last": iri(page_url(last))}
    if page > 1:
        view["hydra:previous"] = iri(page_url(min(page - 1, last)))
    if page < last:
        view["hydra:next"] = iri(page_url(page + 1))
    return view


def dataset_document(resource: Resource, links: terms.Links) -> Node:
    return {"@context": CONTEXT, **dataset(resource, links)}


def catalog_iri(links: terms.Links) -> str:
    return f"{links.base}api/dcat"


def dataset_iri(code: str, links: terms.Links) -> str:
    return f"{links.base}api/dcat/datasets/{quote(code)}"


def scheme_iri(links: terms.Links) -> str:
    return f"{catalog_iri(links)}#classification"


def dataset(resource: Resource, links: terms.Links) -> Node:
    """A resource as a dcat:Dataset."""
    node: Node = {
        "@id": dataset_iri(resource.code, links), "@type": "dcat:Dataset",
        "dct:identifier": resource.code,
        "dct:title": text(resource.name),
        "dct:description": text(resource.abstract or f"{resource.provider.name}提供的{resource.name}。"),
        "dct:publisher": agent(resource.provider, links),
        "dcat:contactPoint": contact(resource.provider),
        "dcat:theme": theme(resource.classification, links),
        "dcat:keyword": [text(word) for word in terms.keywords(resource)],
        "dct:accessRights": iri(terms.access_right(resource), "dct:RightsStatement"),
        "dcat:landingPage": iri(links.page(resource.code), "foaf:Document"),
        "dcat:distribution": distributions(resource, links),
        "csvw:tableSchema": table_schema(resource),
    }
    if frequency := terms.frequency(resource):
        node["dct:accrualPeriodicity"] = iri(frequency, "dct:Frequency")
    if issued := resource.publish_date or (resource.registered_at and resource.registered_at.date()):
        node["dct:issued"] = typed(issued)
    if resource.last_updated_at:
        node["dct:modified"] = typed(resource.last_updated_at)
    if standards := terms.standards(resource):
        node["dct:conformsTo"] = [{"@type": "dct:Standard", "dct:identifier": code, "dct:title": text(title)}
                                  for code, title in standards]
    if resource.related_codes:
        node["dct:relation"] = [iri(dataset_iri(code, links)) for code in resource.related_codes]
    return node


def typed(value: date | datetime) -> Node:
    if isinstance(value, datetime):
        return {"@value": value.isoformat(), "@type": "xsd:dateTime"}
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def agent(department: Department, links: terms.Links) -> Node:
    node: Node = {"@id": links.provider(department.code), "@type": "foaf:Agent", "foaf:name": text(department.name),
                  "dct:type": {**iri(LOCAL_AUTHORITY, "skos:Concept"), "skos:prefLabel": text("地方政府部门")}}
    if department.uscc:
        node["dct:identifier"] = department.uscc
    return node


def contact(department: Department) -> Node:
    """A vcard of the department; its contact (free text) as an e-mail, a telephone or a note."""
    node: Node = {"@type": ["vcard:Kind", "vcard:Organization"], "vcard:fn": text(department.name)}
    written = (department.contact or "").strip()
    if "@" in written and " " not in written:
        node["vcard:hasEmail"] = iri(f"mailto:{written}")
    elif written and written.replace("-", "").replace(" ", "").isdigit():
        node["vcard:hasTelephone"] = iri(f"tel:{written.replace(' ', '')}")
    elif written:
        node["vcard:note"] = text(written)
    return node


def theme(classification: str, links: terms.Links) -> Node:
    title = CLASSIFICATION_CLASSES.get(classification[:1], "政务信息资源")
    return {"@id": links.classification(classification), "@type": "skos:Concept",
            "skos:prefLabel": text(f"{title} {classification}"), "skos:notation": classification,
            "skos:inScheme": iri(scheme_iri(links))}


def distributions(resource: Resource, links: terms.Links) -> list[Node]:
    """One distribution per format, each reached where the resource is shared (its data API or its page)."""
    home = dataset_iri(resource.code, links)
    return [distribution(resource, word, f"{home}#distribution-{position}", links)
            for position, word in enumerate(terms.formats(resource), start=1)]


def distribution(resource: Resource, word: str, node_id: str, links: terms.Links) -> Node:
    node: Node = {"@id": node_id, "@type": "dcat:Distribution", "dct:title": text(f"{resource.name}（{word}）"),
                  "dcat:accessURL": iri(links.access(resource))}
    known = terms.file_type(word)
    if known is None:
        node["dct:format"] = {"@type": "dct:MediaTypeOrExtent", "rdfs:label": text(word)}
        return node
    node["dct:format"] = iri(f"{terms.EU_AUTHORITY}file-type/{known.code}", "dct:MediaTypeOrExtent")
    if known.media_type:
        node["dcat:mediaType"] = iri(IANA_MEDIA_TYPES + known.media_type, "dct:MediaType")
    return node


# The guide's item type codes (GB/T 21063.3) → CSVW's built-in datatypes.
CSVW_DATATYPES: dict[str, str] = {"C": "string", "N": "decimal", "Y": "decimal", "D": "date", "T": "datetime",
                                  "L": "boolean", "M": "string", "G": "binary", "B": "binary", "I": "integer",
                                  "F": "double"}


def table_schema(resource: Resource) -> Node:
    """The data items (信息项) as CSVW columns: the column's name, the item's title, its datatype."""
    columns = [{"@type": "csvw:Column", "csvw:name": item.column_name, "csvw:title": text(item.name),
                "csvw:datatype": CSVW_DATATYPES.get(item.type_code, "string")} for item in resource.items]
    return {"@type": "csvw:Schema", "csvw:column": {"@list": columns}}
