"""What the explorer shows, as plain data: the page code only lays it out (one module per page
family: names, search, product, compare). Every read goes through the query library or the export
layer built on it; nothing here writes SPARQL. The pages read these names through this module."""

from __future__ import annotations

from cgt_graph.explorer.names import (  # noqa: F401 - the pages' one import
    Row, ProductHit, _names, products, search, product_authorisations, Names, names, jurisdiction_label, is_latin, with_latin, PRECISION, precision, span, sort_key, shown_date,
)
from cgt_graph.explorer.search import (  # noqa: F401 - the pages' one import
    FACETS, FACET_TITLES, MULTI, SEARCH_COLUMNS, CSV_COLUMNS, ROW_KEYS, authorisation_rows, search_rows, _values, _matches_facets, filter_rows, facet_options, facet_label, facet_counts, why_empty, to_csv,
)
from cgt_graph.explorer.product import (  # noqa: F401 - the pages' one import
    product_history, TIMELINE_KINDS, _pretty, product_timeline, REVIEW_BY, REVIEW_PROCEDURES, review_procedures, review_groups, timing_claims, first_day, IDENTIFIER_NAMES, OFFICIAL, authorisation_identifiers, product_decisions, side_by_side, official_links, product_facts, class_by_jurisdiction,
)
from cgt_graph.explorer.compare import (  # noqa: F401 - the pages' one import
    modality_matrix, approvals_per_year, LagRow, lags, first_arrivals, lag_summary, claims, pathways, pathway_use, classes, crosswalk, rows_using_pathway,
)
from cgt_graph.explorer.ranking import (  # noqa: F401 - the pages' one import
    norm, _SHORT_FORM, Query, _short_form_matches, _phrase_in, score, scores,
)
