"""Normalizing flows: watch a Gaussian being bent into the data, layer by layer; exact likelihoods and exact codes."""

import streamlit as st

from app.ui import charts, controls, data_picker, draw2d, flow_views, image_views, model_run, panels, run_controls
from app.ui.mode_tiles import mode_tiles
from engine.config import specs
from engine.data import is_2d_dataset
from engine.families.flow.config import GLOW_ONLY, FlowConfig, image_defaults
from engine.families.flow.images import JUDGED
from engine.families.flow.trainer import EVAL_POINTS

SLOT = "flow"
MODEL_KEYS = ["model", "depth", "width", "batch_size", "seed"]
LIVE_KEYS = ["lr", "grad_clip", "temperature"]
PAGE_KEYS = ("flow_dataset", "flow_folder", "flow_speed", "flow_layer", "flow_shown", "flow_steps", "flow_mode",
             draw2d.URL_KEY)
SPECS = specs(FlowConfig)

st.title("Normalizing flows")
st.caption("A flow is an invertible map f from data x to a code z ~ N(0, I). Its density is exact by the change of "
           "variables, log p(x) = log N(f(x)) + Σ log|det J| of every layer, and a sample is f⁻¹(z).")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **The layer view** shows the space after any layer: move the slider from 0 (the data) to the last layer "
        "(the code). The data and a grid are pushed forward, x → z; samples z are pulled back, z → x. When the flow "
        "is good, the two clouds agree at every layer and the data ends as a round Gaussian blob.\n"
        "- **log|det J|** of a layer is how much it stretches space around the data: positive where it spreads "
        "the data out (density there goes up by that much), negative where it squeezes. NICE's couplings only "
        "shift (0); Real NVP's and Glow's couplings and MAF's layers stretch; permutations never do.\n"
        "- **Thin bridges**: a flow cannot tear the Gaussian apart, so on separated modes (ring8, grid25) coupling "
        "flows leave filaments of density between them: see the learned log-density beside the true one, and the "
        "lesson below. More depth, or MAF, thins them.\n"
        "- **Images**: pixels are integers, so the flow learns a density of dequantised pixels, x = (v + u)/256, "
        "and reports bits per dimension (8 = a uniform guess). The encoding is exact: an image's code decodes back "
        "to the same pixels, so interpolation runs between the codes of real images. Temperature T < 1 draws "
        "z ~ N(0, T² I): cleaner, less varied samples (Glow uses 0.7). Digits have only 17 grey levels: a "
        "continuous density must put a spike on each, which PixelCNN's softmax gets for free.\n"
        "- **The direction costs**: MAF scores in one pass and samples one dimension at a time; IAF the reverse "
        "(time both in the last panel).")

controls.warn_bad_url_params(FlowConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Data")
    if pending := st.session_state.pop("_flow_set_dataset", None):
        st.session_state["flow_dataset"] = pending  # set before the widget exists (Streamlit forbids it after)
    dataset, defaults = data_picker.points_or_images(FlowConfig, "flow", image_defaults, drawn=("custom",))
    points = is_2d_dataset(dataset)
    with st.expander("Model (changes start a new model)", expanded=True):
        model = controls.widgets(FlowConfig, MODEL_KEYS, defaults=defaults)["model"]
        controls.widget(SPECS["levels"], disabled=points or model not in ("realnvp", "glow"))
        for key in GLOW_ONLY:
            controls.widget(SPECS[key], disabled=model != "glow")
    st.subheader("Training and sampling (live)")
    controls.widgets(FlowConfig, LIVE_KEYS)

# ---------------------------------------------------------------- the data and the run
custom = draw2d.drawn_distribution("flow")
if dataset == "custom" and custom is None:
    st.warning("No custom distribution yet: draw or upload one at the bottom of the page. Showing ring8 meanwhile.")
chose_custom = dataset == "custom"
use_custom = chose_custom and custom is not None
if chose_custom and not use_custom:
    dataset = "ring8"
keys = ["data_root", "data_noise", *MODEL_KEYS, "levels", *LIVE_KEYS] + (list(GLOW_ONLY) if model == "glow" else [])
run = model_run.page_run(SLOT, "flow", keys, dataset, defaults=defaults, data=custom if use_custom else None,
                         missing_folder="Type the path of an image folder in the sidebar.")
trainer = run.trainers[0]
on_points = is_2d_dataset(trainer.config.dataset)

if on_points:
    shown = st.pills("Show", list(flow_views.SHOWN), format_func=flow_views.SHOWN.get, selection_mode="multi",
                     default=list(flow_views.SHOWN) if "flow_shown" not in st.session_state else None,
                     key="flow_shown", bind="query-params",
                     help="What the layer view draws: the data and a grid of x pushed forward through the layers, "
                          "and samples z pulled back.")


def render_points(snap) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    last = len(preview["layer_names"])
    if st.session_state.get("flow_layer", 0) > last:  # a shallower new model
        st.session_state["flow_layer"] = last
    m = preview["metrics"]
    scored = history.dropna(subset=["nll_nats"]) if "nll_nats" in history else history.iloc[0:0]
    a, b, c, d = st.columns(4)
    a.metric("Held-out NLL (nats)", f"{scored.iloc[-1]['nll_nats']:.3f}" if not scored.empty else "–",
             help=f"-log p(x) per point on {EVAL_POINTS:,} held-out points, exact (no bound), at the last "
                  "evaluation. It can be negative: a density can exceed 1.")
    mode_tiles(m, what="samples (T = 1)", quality_note=" The rest sit on bridges or outside.", columns=(b, c))
    d.metric("Total log|det J|", f"{float(preview['layer_log_det'].sum()):.2f}",
             help="Mean over the data of the sum of every layer's log|det J|: how much the flow spreads the data "
                  "out on its way to z.")
    view, side = st.columns([3, 2])
    with view:
        initial = {} if "flow_layer" in st.session_state else {"value": last}
        layer = st.slider("Layer", 0, last, **initial, key="flow_layer", bind="query-params",
                          help="0 is the data space x; the last layer's output is the code z, a standard Gaussian "
                               "when the flow fits.")
        st.plotly_chart(flow_views.layer_figure(preview, layer, shown or []), key="flow_layers")
        st.caption(f"The space {flow_views.space_name(preview, layer)}, step {preview['step']:,}.")
    with side:
        st.plotly_chart(flow_views.log_det_bars(preview, layer), key="flow_logdet")
        st.plotly_chart(charts.curves(history, ["loss", "nll_nats"], title="Negative log-likelihood (nats)"),
                        key="flow_nll")
    left, right = st.columns(2)
    learned, true = flow_views.density_pair(preview)
    left.plotly_chart(learned, key="flow_learned")
    right.plotly_chart(true, key="flow_true")


def render_images(snap) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    left, right = st.columns(2)
    left.image(image_views.crisp(preview["samples"], 480), width="stretch", output_format="PNG",
               caption=f"64 samples of a fixed z at T = {preview['temperature']:g}, step {preview['step']:,}")
    with right:
        st.plotly_chart(charts.curves(history, ["train_bits_per_dim", "bits_per_dim"],
                                      title="Negative log-likelihood (bits per dimension)"), key="flow_bpd")
        scored = history.dropna(subset=["bits_per_dim"]) if "bits_per_dim" in history else history.iloc[0:0]
        if not scored.empty:
            last = scored.iloc[-1]
            a, b, c = st.columns(3)
            a.metric("Bits per dimension", f"{last['bits_per_dim']:.3f}",
                     help="Held-out -log2 P(v) / D with one draw of the dequantisation noise per image (an upper "
                          "bound on the discrete NLL); 8 is a uniform guess over 256 values.")
            b.metric("Held-out NLL", f"{last['nll_nats']:.1f} nats", help="Per image.")
            if "judge_score" in last and last["judge_score"] == last["judge_score"]:
                c.metric("Judge score", f"{last['judge_score']:.2f}",
                         help=f"Of {JUDGED:,} samples at T = 1 by the dataset's judge; Frechet distance "
                              f"{last['frechet_distance']:.2f} to held-out images.")


run_controls.live(run, render_points if on_points else render_images)

if on_points:
    panels.lazy_panel("Lesson: thin bridges between separated modes", ":material/school:", "flow_open_bridge",
                      flow_views.bridge_lesson, run)
else:
    for title, icon, draw in (
        ("Exact reconstructions", ":material/check_circle:", flow_views.reconstructions),
        ("Interpolate between two real images", ":material/timeline:", flow_views.interpolation),
        ("Temperature", ":material/thermostat:", flow_views.temperatures),
    ):
        panels.lazy_panel(title, icon, f"flow_open_{draw.__name__}", draw, run)  # computed only while open
panels.lazy_panel("The cost of the direction: MAF vs IAF", ":material/swap_horiz:", "flow_open_direction",
                  flow_views.direction_panel, run, "flow_direction")

if on_points or chose_custom:
    draw2d.drawing_panel("flow")
