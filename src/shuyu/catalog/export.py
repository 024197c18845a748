"""Public metadata of the catalog: plain dictionaries for pages and the API, and a DCAT-AP-style JSON-LD
export. Metadata only — names, labels, types, counts and hashes; never a data value (R04.1)."""

from . import selectors
from .models import DataResource, FieldType, GradingLevel, OpenAttribute, Sensitivity, UpdateFrequency

_FREQ_IRI = {
    "realtime": "http://publications.europa.eu/resource/authority/frequency/CONT",
    "daily": "http://publications.europa.eu/resource/authority/frequency/DAILY",
    "weekly": "http://publications.europa.eu/resource/authority/frequency/WEEKLY",
    "monthly": "http://publications.europa.eu/resource/authority/frequency/MONTHLY",
    "quarterly": "http://publications.europa.eu/resource/authority/frequency/QUARTERLY",
    "yearly": "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
    "irregular": "http://publications.europa.eu/resource/authority/frequency/IRREG",
}


def _label(choices, value: str) -> str:
    return dict(choices.choices).get(value, value or "")


def public_summary(r: DataResource) -> dict:
    """What anyone may see about a resource."""
    version = selectors.latest_version(r)
    q = selectors.latest_quality(r)
    return {
        "code": r.code,
        "name": r.name,
        "description": r.description,
        "provider": r.provider.name,
        "region": r.region.name,
        "region_code": r.region_id,
        "sector": r.sector,
        "update_frequency": r.update_frequency,
        "update_frequency_label": _label(UpdateFrequency, r.update_frequency),
        "open_attribute": r.open_attribute,
        "open_attribute_label": _label(OpenAttribute, r.open_attribute),
        "grading_level": r.grading_level,
        "grading_level_label": _label(GradingLevel, r.grading_level),
        "registration_code": selectors.registration_code(r),
        "row_count": version.row_count if version else None,
        "version": version.number if version else None,
        "updated_at": version.loaded_at if version else None,
        "manifest_sha256": version.manifest_sha256 if version else None,
        "quality_score": q.score if q else None,
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "type_label": _label(FieldType, f.type),
                "unit": f.unit,
                "sensitivity": f.sensitivity,
                "sensitivity_label": _label(Sensitivity, f.sensitivity),
                "is_disclosure_unit": f.is_disclosure_unit,
            }
            for f in r.fields.all()
        ],
    }


def dcat_catalog(base_url: str) -> dict:
    """The public catalog as DCAT-AP-style JSON-LD (dcat:Catalog of dcat:Dataset, no distribution of data)."""
    base = base_url.rstrip("/")
    datasets = []
    for r in selectors.public_resources():
        s = public_summary(r)
        ds = {
            "@id": f"{base}/catalog/{r.code}/",
            "@type": "dcat:Dataset",
            "dct:identifier": r.code,
            "dct:title": {"@language": "zh-CN", "@value": r.name},
            "dct:description": {"@language": "zh-CN", "@value": r.description},
            "dct:publisher": {"@type": "foaf:Organization", "foaf:name": s["provider"]},
            "dct:spatial": {"@id": f"urn:gb2260:{r.region_id}", "skos:prefLabel": s["region"]},
            "dcat:theme": s["sector"],
            "dct:accessRights": s["open_attribute_label"],
            "shuyu:gradingLevel": s["grading_level_label"],
            "shuyu:registrationCode": s["registration_code"],
            "shuyu:qualityScore": s["quality_score"],
            "shuyu:rowCount": s["row_count"],
            "dct:modified": s["updated_at"].isoformat() if s["updated_at"] else None,
            "shuyu:manifestSha256": s["manifest_sha256"],
            "shuyu:fields": [
                {
                    "shuyu:name": f["name"],
                    "rdfs:label": f["label"],
                    "shuyu:type": f["type"],
                    "shuyu:sensitivity": f["sensitivity"],
                }
                for f in s["fields"]
            ],
        }
        if r.update_frequency in _FREQ_IRI:
            ds["dct:accrualPeriodicity"] = {"@id": _FREQ_IRI[r.update_frequency]}
        datasets.append({k: v for k, v in ds.items() if v not in (None, "")})
    return {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
            "skos": "http://www.w3.org/2004/02/skos/core#",
            "shuyu": f"{base}/ns/shuyu#",
        },
        "@id": f"{base}/catalog/",
        "@type": "dcat:Catalog",
        "dct:title": {"@language": "zh-CN", "@value": "四川省公共数据资源目录"},
        "dct:description": {"@language": "zh-CN", "@value": "仅含元数据，不含任何数据内容（原始数据不出域）"},
        "dcat:dataset": datasets,
    }
