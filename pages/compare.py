"""Compare tricks side by side: variants of one configuration trained as one group (same seeds, same data order),
views synchronised by step, a metrics table with mean ± sd over seeds and an honest verdict per metric."""

import streamlit as st

from app.ui import compare_views, run_controls, session
from engine.compare import (COMPARISONS, Comparison, build_seeds_group, default_metrics, format_settings,
                            parse_settings, parse_variants, split_member_name)
from engine.config import ConfigError
from engine.data import DATASETS, BadInput, DataUnavailable, is_2d_dataset
from engine.family import MAX_VARIANTS
from engine.registry import FAMILIES

SLOT = "compare"
CUSTOM = "custom"

st.title("Compare tricks")
st.caption("Variants of one configuration trained side by side: the same seeds, the same data in the same order, "
           "one step of each in turn. The table says which variant is ahead and whether the lead is larger than "
           "the luck of the seeds.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **Same seed, same data**: members of one seed draw the same batches and noise, so a difference comes "
        "from the setting you changed, not from luck. With more **seeds**, each metric gets a mean ± sd.\n"
        "- **Verdicts** are honest: a lead is *clear* only when Welch's t-test on the per-seed values gives p < 0.05; "
        "the verdict shows the 95% interval of the lead and, when it is not clear, about how many seeds would tell "
        "a gap of that size from the noise. With one seed there is nothing to test.\n"
        "- The **presets** are the classic lessons: the paper's ablation, mode collapse, label smoothing, the loss "
        "zoo, discriminator steps, the VAE's β, plain vs gated PixelCNN, the semi-supervised GAN's label counts and "
        "generator losses, classifier tricks and learning-rate schedules. Edit the settings to make your own.")


def _load_preset() -> None:
    name = st.session_state.get("cmp_preset") or st.query_params.get("cmp_preset", "mode_collapse")
    if name not in COMPARISONS:  # custom, or a bad URL value (the selectbox then falls back to its default)
        return
    preset = COMPARISONS[name]
    st.session_state["cmp_family"] = preset.family
    st.session_state["cmp_dataset"] = preset.base["dataset"]
    st.session_state["cmp_base"] = format_settings({k: v for k, v in preset.base.items() if k != "dataset"})
    st.session_state["cmp_variants"] = "\n".join(f"{v}: {format_settings(c)}" for v, c in preset.variants.items())


if "cmp_base" not in st.session_state:
    _load_preset()
with st.sidebar:
    st.subheader("Comparison")
    names = list(COMPARISONS) + [CUSTOM]
    initial = {} if "cmp_preset" in st.session_state else {"index": names.index("mode_collapse")}
    preset_name = st.selectbox("Preset", names, **initial, key="cmp_preset", on_change=_load_preset,
                               bind="query-params",
                               help="A preset fills the settings below; edit them to make your own comparison. "
                                    "The same names as `python -m engine compare --preset NAME`.")
    family = st.selectbox("Family", list(FAMILIES), key="cmp_family")
    record = FAMILIES[family]
    choices = [name for name, info in DATASETS.items() if not name.startswith("folder")
               and (record.points_trainer if info["kind"] == "2d" else record.image_trainer) is not None]
    if st.session_state.get("cmp_dataset") not in choices:
        st.session_state["cmp_dataset"] = choices[0]
    dataset = st.selectbox("Dataset", choices, key="cmp_dataset",
                           help="The data every variant trains on (MNIST-likes need their files: data_root=DIR "
                                "in the base configuration).")
    base_text = st.text_area("Base configuration", key="cmp_base", height=90,
                             help="key=value pairs (the command line's --set keys) shared by every variant, e.g. "
                                  "lr_d=2e-4 batch_size=64.")
    variants_text = st.text_area(f"Variants (2 to {MAX_VARIANTS})", key="cmp_variants", height=150,
                                 help="One per line: 'name: key=value ...', the keys that differ from the base; "
                                      "'family=NAME' trains that variant with another family's model (e.g. "
                                      "'flow: family=flow'), so families compare on the same data.")
    seeds = st.slider("Seeds", 1, 5, 1, key="cmp_seeds", bind="query-params",
                      help="Each variant trains once per seed (0, 1, ...): mean ± sd over seeds in the table.")

if preset_name in COMPARISONS:
    st.info(f"**{COMPARISONS[preset_name].title}.** {COMPARISONS[preset_name].explanation}",
            icon=":material/school:")

try:
    base = parse_settings(base_text)
    variants = parse_variants(variants_text)
except ConfigError as err:
    st.error(f"{err}. The comparison keeps its previous settings.", icon=":material/error:")
    base = variants = None
run = session.get_run(SLOT)
if base is not None:
    comparison = Comparison(COMPARISONS[preset_name].title if preset_name in COMPARISONS else "Your comparison",
                            family, COMPARISONS[preset_name].explanation if preset_name in COMPARISONS else "",
                            {**base, "dataset": dataset}, variants, default_metrics(family, dataset, variants), 0)
    identity = (family, tuple(sorted(comparison.base.items())), tuple((k, tuple(sorted(v.items())))
                                                                      for k, v in variants.items()), seeds)
    if run is None or st.session_state.get("_cmp_identity") != identity:
        try:
            new_run = build_seeds_group(comparison, seeds=seeds)
        except (ConfigError, DataUnavailable, BadInput, ValueError) as err:
            st.error(f"{err}. The comparison keeps its previous settings.", icon=":material/error:")
        else:
            st.session_state["_cmp_identity"] = identity
            st.session_state["_cmp_comparison"] = comparison
            run = session.put_run(SLOT, new_run)
if run is None:
    st.stop()

comparison: Comparison = st.session_state["_cmp_comparison"]
run_controls.run_controls(run, key="cmp")
metric = st.selectbox("Curve", comparison.metrics or ("loss",), key="cmp_metric",
                      help="The metric drawn against step, one line per variant.")
variant_names = list(dict.fromkeys(split_member_name(m)[0] for m in run.members))
first_of = {v: next(k for k, m in enumerate(run.members) if split_member_name(m)[0] == v) for v in variant_names}
bounds = getattr(run.trainers[0].data, "bounds", None) if is_2d_dataset(comparison.base["dataset"]) else None


def render(snap) -> None:
    run_controls.status_line(snap)
    columns = st.columns(len(variant_names))
    for col, variant in zip(columns, variant_names):
        member = snap.members[first_of[variant]]
        col.markdown(f"**{variant}**")
        if bounds is not None:
            col.plotly_chart(compare_views.points_figure(member.preview, bounds), key=f"cmp_pts_{variant}")
        else:
            found = compare_views.picture_of(member.preview)
            if found is not None:
                picture, what = found
                col.image(picture, width="stretch", caption=f"{what}seed 0, step {member.preview_step:,}")
    st.plotly_chart(compare_views.curves_figure(snap, metric), key="cmp_curves")
    rows = compare_views.rows_of(snap, comparison.metrics)
    frame, summary = compare_views.table_of(rows, comparison.metrics)
    if summary:
        st.dataframe(frame, width="stretch")
        for name, entry in summary.items():
            icon = ":material/check_circle:" if entry["verdict"]["clear"] else ":material/horizontal_rule:"
            st.markdown(f"{icon} **{name}**: {entry['verdict']['text']}")
    else:
        st.caption("The metrics appear at the first evaluation (every `eval_every` steps of the family).")
    st.session_state["_cmp_last"] = (rows, frame, summary)


run_controls.live(run, render)

rows, frame, summary = st.session_state.get("_cmp_last", ([], None, {}))
if summary:
    import pandas as pd

    a, b = st.columns(2)
    a.download_button("Table (CSV)", pd.DataFrame.from_records(rows).to_csv(index=False), "comparison.csv",
                      "text/csv", icon=":material/download:", key="cmp_csv")

    b.download_button("Whole comparison (HTML)", lambda: compare_views.report_of(run, comparison, frame, summary),
                      "comparison.html", "text/html", icon=":material/download:", key="cmp_html")  # made on click
