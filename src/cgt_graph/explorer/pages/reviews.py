"""Review times: how long each regulator took from the start of a review to its decision, per agency or
per pathway, as box and strip plots with n beside each group; the seed articles' timing claims beside
the graph's own figures, with what the graph can and cannot support (history, #14)."""

from __future__ import annotations

import altair as alt
import streamlit as st

from cgt_graph.explorer import data as explore
from cgt_graph.explorer.pages import common

LIMITS = (
    "**What the graph can support.** Calendar days from the start of a review to the decision, for the "
    "procedures whose milestones a cited page gives: the FDA from submission (or acceptance), the EMA from "
    "validation (or submission) to the Commission decision, other agencies from the first milestone their "
    "record gives. Each group shows its n, median and quartiles, never a bare mean.\n\n"
    "**What it cannot.** These are not all reviews: only those whose start date a source gives, so small "
    "groups can be far from typical. A date known only to the month counts from the month's first day, so "
    "a review can be off by up to a month (the table says how many are exact to the day); a date known only "
    "to the year is listed but left out. The graph holds no clock-stops, so it measures calendar time, not "
    "an agency's active review clock, and it holds no clinical trial applications.")

REVIEW_COLUMNS = {
    "product": st.column_config.TextColumn("Product", pinned=True),
    "procedure": st.column_config.TextColumn("Procedure", help="first authorisation: the product's first "
                                             "marketing authorisation there; indication change: a later "
                                             "extension or change of the indication."),
    "jurisdiction": st.column_config.TextColumn("Jurisdiction"),
    "agency": st.column_config.TextColumn("Deciding agency", help="The body that took the decision, as the graph "
                                          "names it (acronym where one is recorded)."),
    "start": st.column_config.TextColumn("Clock starts at", help="The milestone the review is counted from: the "
                                         "EMA's validation first, elsewhere the submission first; if a resubmission "
                                         "followed a refusal, the latest."),
    "start_date": st.column_config.TextColumn("Start date", help="As precise as the source (month only / year only "
                                              "when it gives no more)."),
    "decision_date": st.column_config.TextColumn("Decision date", help="As precise as the source."),
    "days": st.column_config.NumberColumn("Days", help="Calendar days from start to decision, each date counted "
                                          "from the first day of its month or year when the day is unknown."),
    "dates_known_to": st.column_config.TextColumn("Dates known to", help="day: both dates to the day; month: one "
                                                  "is known only to the month (up to a month off); year: left out "
                                                  "of the plot and the figures."),
    "pathways": st.column_config.TextColumn("Pathways", help="The pathways of that decision (e.g. priority "
                                            "review, conditional marketing authorisation)."),
}
SUMMARY_COLUMNS = {
    "group": st.column_config.TextColumn("Group", pinned=True, width="large",
                                         help="Agency, jurisdiction and the milestone the clock starts at, to "
                                              "the decision (and the pathway, when grouped by pathway)."),
    "n": st.column_config.NumberColumn("n", help="Reviews in the group."),
    "median_days": st.column_config.NumberColumn("Median (days)"),
    "q1_days": st.column_config.NumberColumn("Lower quartile (days)", help="Quartiles of the data themselves "
                                             "(inclusive method); with n=1 they equal the one value."),
    "q3_days": st.column_config.NumberColumn("Upper quartile (days)"),
    "n_day_precision": st.column_config.NumberColumn("Exact to the day", help="Reviews whose two dates are "
                                                     "both known to the day; the rest may be up to a month off."),
    "median_months": st.column_config.NumberColumn("Median (months)", help="Days / 30.4375."),
    "min_days": st.column_config.NumberColumn("Shortest (days)"),
    "max_days": st.column_config.NumberColumn("Longest (days)"),
}
CLAIM_COLUMNS = {
    "statement": st.column_config.TextColumn("Claim", pinned=True, width="large",
                                             help="What the seed article says, as curated."),
    "verdict": st.column_config.TextColumn("What the graph can say", width="large"),
    "claimed": st.column_config.TextColumn("Claimed", help="The figure the article gives, in its unit."),
    "graph": st.column_config.TextColumn("Graph: median (quartiles)", help="The graph's own figure for the "
                                         "scope beside it: median with lower and upper quartile."),
    "graph_n": st.column_config.NumberColumn("n", help="Reviews in that scope."),
    "graph_mean": st.column_config.NumberColumn("Graph mean", help="Given only beside a claimed mean, in months."),
    "graph_scope": st.column_config.TextColumn("Graph measures", width="medium",
                                               help="The nearest scope the graph can measure for this claim."),
    "source": st.column_config.LinkColumn("Source", display_text=r"https?://(?:www\.)?([^/]+)",
                                          help="The article making the claim."),
    "claim": st.column_config.TextColumn("Record", help="The claim's id in the data files."),
}


def _unit(metric: str) -> str:
    """'trial-application-review-days' -> 'days': the unit a metric's name ends in."""
    return metric.rsplit("-", 1)[-1] if metric.endswith(("-days", "-months")) else ""


def render() -> None:
    procedures = common.cached("review_procedures")
    by_keys, proc_keys = list(explore.REVIEW_BY), list(explore.REVIEW_PROCEDURES)
    if st.session_state.get("review_by") not in by_keys:
        st.session_state["review_by"] = "agency"
    if st.session_state.get("review_procedure") not in proc_keys:
        st.session_state["review_procedure"] = "initial"
    left, right = st.columns(2)
    with left:
        by = st.radio("Group by", by_keys, format_func=explore.REVIEW_BY.__getitem__, key="review_by",
                      horizontal=True)
    with right:
        procedure = st.radio("Procedures", proc_keys, format_func=explore.REVIEW_PROCEDURES.__getitem__,
                             key="review_procedure", horizontal=True)
    st.markdown(LIMITS)
    points, summary = explore.review_groups(procedures, by, procedure)
    left_out = [p for p in procedures if not p["usable"]]
    if not points:
        st.info("No review in this scope has both a start and a decision date in the graph.")
    else:
        df = common.frame(points)
        df["days"] = df["days"].astype(int)
        order = [s["shown"] for s in summary]
        y = alt.Y("shown:N", title=None, sort=order, axis=alt.Axis(labelLimit=600))
        box = alt.Chart(df).mark_boxplot(extent="min-max", size=18, opacity=0.35, color="#4c78a8").encode(
            x=alt.X("days:Q", title="calendar days from the start of the review to the decision"), y=y)
        strip = alt.Chart(df).mark_point(filled=True, size=70, opacity=0.9).encode(
            x="days:Q", y=y,
            color=alt.Color("dates_known_to:N", title="dates known to",
                            scale=alt.Scale(domain=["day", "month"], range=["#e45756", "#f2a93b"]),
                            legend=alt.Legend(orient="bottom")),
            tooltip=["product", "procedure", "jurisdiction", "agency", "start", "start_date", "decision_date",
                     "days", "dates_known_to", "pathways"])
        st.altair_chart((box + strip).properties(height=alt.Step(34)), width="stretch")
        st.caption("Each dot is one review; the box spans the quartiles with the median inside, the whiskers the "
                   "shortest and longest. n beside each group counts its reviews.")
        st.dataframe(common.frame(summary, list(SUMMARY_COLUMNS)), hide_index=True, width="stretch",
                     key="review_summary", column_config=SUMMARY_COLUMNS, height=38 + 35 * len(summary))
    if left_out:
        st.caption(f"{len(left_out)} review(s) with a date known only to the year are listed below but left out of "
                   "the plot and the figures.")
    with st.expander(f"Every review the graph can time ({len(procedures)})", expanded=False):
        st.dataframe(common.frame(procedures, list(REVIEW_COLUMNS)), hide_index=True, width="stretch",
                     key="review_pairs", column_config=REVIEW_COLUMNS)

    st.subheader("The seed articles' timing claims beside the graph")
    st.caption("Each claim with the graph's own figure for the nearest scope it can measure, and what that "
               "comparison can and cannot show (the claims mechanism, `cgt-graph analyse claims`).")
    claims = [{**c, "claimed": f"{c['claimed']} {c['unit'] or _unit(str(c['metric']))}".strip(),
               "graph": "" if c["graph_median"] is None else
               f"{c['graph_median']} ({c['graph_q1']} to {c['graph_q3']}) {c['unit']}",
               "source": str(c["sources"] or "").split(";")[0]}
              for c in common.cached("timing_claims")]
    if claims:
        st.dataframe(common.frame(claims, list(CLAIM_COLUMNS)), hide_index=True, width="stretch",
                     key="timing_claims", column_config=CLAIM_COLUMNS, row_height=70)
    else:
        st.info("No timing claim is recorded in the data.")
