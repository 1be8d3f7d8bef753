"""Index template, analyzers and the engine's assembly logic, without a cluster."""

from __future__ import annotations

from pathlib import Path

from engine.assemble import module_name, parse_tree
from mappings.analysis import analysis_settings, analyzer_for, read_synonyms
from mappings.template import fingerprint, index_body, template_body

TREE = """\
io.babelshop:babelshop-engine:pom:1
+- org.opensearch:opensearch:jar:2.19.1:compile
|  +- org.opensearch:opensearch-core:jar:2.19.1:compile
|  |  \\- com.fasterxml.jackson.core:jackson-core:jar:2.18.2:compile
|  \\- org.apache.lucene:lucene-core:jar:9.12.1:compile
+- org.opensearch.plugin:lang-painless:jar:2.19.1:compile
|  \\- org.antlr:antlr4-runtime:jar:4.13.1:compile
\\- org.opensearch.plugin:opensearch-knn:zip:2.19.1.0:compile
"""


def test_parse_tree_groups_jars_under_their_top_level_dependency() -> None:
    top = parse_tree(TREE)
    assert [(a.artifact, a.type) for a in top] == [
        ("opensearch", "jar"),
        ("lang-painless", "jar"),
        ("opensearch-knn", "zip"),
    ]
    assert [c.artifact for c in top[0].children] == ["opensearch-core", "jackson-core", "lucene-core"]
    assert [c.artifact for c in top[1].children] == ["antlr4-runtime"]
    assert top[2].path(Path("/r")) == Path(
        "/r/org/opensearch/plugin/opensearch-knn/2.19.1.0/opensearch-knn-2.19.1.0.zip"
    )


def test_module_names_follow_the_distribution() -> None:
    assert module_name("reindex-client") == "reindex"
    assert module_name("transport-netty4-client") == "transport-netty4"
    assert module_name("analysis-common") == "analysis-common"


def test_every_catalog_language_gets_index_and_search_analyzers() -> None:
    langs = ("en", "zh", "de", "es", "fr", "ja")
    analysis = analysis_settings(langs)
    for lang in langs:
        assert f"bs_{lang}" in analysis["analyzer"] and f"bs_{lang}_search" in analysis["analyzer"]
    assert "cjk_bigram" in analysis["analyzer"]["bs_zh"]["filter"]
    assert analyzer_for("xx") == ("bs_folded", "bs_folded")


def test_synonyms_come_from_solr_files(tmp_path: Path) -> None:
    (tmp_path / "en.txt").write_text("# comment\n\nsneakers, running shoes\nlaptop => notebook computer\n")
    assert read_synonyms("en", tmp_path) == ["sneakers, running shoes", "laptop => notebook computer"]
    analysis = analysis_settings(("en",), tmp_path)
    assert analysis["filter"]["bs_en_synonyms"]["type"] == "synonym_graph"
    assert "bs_en_synonyms" in analysis["analyzer"]["bs_en_search"]["filter"]
    assert "bs_en_synonyms" not in analysis["analyzer"]["bs_en"]["filter"]  # search time only


def test_index_body_has_per_language_fields_and_a_lucene_vector() -> None:
    body = index_body(("en", "de"), 384)
    props = body["mappings"]["properties"]
    assert set(props["title_i18n"]["properties"]) == {"en", "de"}
    assert props["title_i18n"]["properties"]["de"]["analyzer"] == "bs_de"
    assert props["title_vector"]["dimension"] == 384
    assert props["title_vector"]["method"]["engine"] == "lucene"
    assert body["mappings"]["_meta"]["fingerprint"] == fingerprint(body)
    assert fingerprint(index_body(("en", "de"), 384)) != fingerprint(index_body(("en", "de"), 768))


def test_shard_count_is_set_at_creation_and_not_part_of_the_fingerprint() -> None:
    # Two shards by default (hybrid fusion before fetch); an index made with another count is
    # still "current", since its shard count cannot be changed in place anyway.
    assert index_body(("en",), 8)["settings"]["index"]["number_of_shards"] == 2
    assert index_body(("en",), 8, shards=1)["settings"]["index"]["number_of_shards"] == 1
    assert fingerprint(index_body(("en",), 8, shards=1)) == fingerprint(index_body(("en",), 8, shards=3))
    assert template_body("products", ("en",), 8, shards=3)["template"]["settings"]["index"]["number_of_shards"] == 3


def test_template_matches_versioned_indices() -> None:
    assert template_body("products", ("en",), 8)["index_patterns"] == ["products_v*"]
