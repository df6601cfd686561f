"""2D GAN playground: everything GAN Lab shows, plus the tricks, honest metrics and your own distributions."""

import dataclasses

import streamlit as st

from app.ui import charts, controls, draw2d, model_run, plots2d, run_controls, saved_runs
from app.ui.mode_tiles import mode_tiles
from engine.config import specs
from engine.families.gan.config import GanConfig
from engine.families.gan.presets import GAN2D_PRESETS
from engine.families.gan.trainer import EVAL_SAMPLES
from engine.metrics.modes2d import covered_help

SLOT = "gan2d"
DATASETS = ("ring8", "grid25", "spiral", "moons", "custom")
DATA_KEYS = ["dataset", "data_noise"]
MODEL_KEYS = ["z_dim", "noise", "g_depth", "g_width", "d_depth", "d_width", "optimizer", "batch_size", "seed"]
TRAINING_KEYS = ["loss", "lr_g", "lr_d", "d_steps", "g_steps", "gp_weight"]
TRICK_KEYS = [
    "label_smoothing",
    "fake_label",
    "feature_matching",
    "minibatch_discrimination",
    "mbd_kernels",
    "mbd_dim",
    "mbd_average",
    "historical_averaging",
    "instance_noise",
    "instance_noise_anneal",
    "spectral_norm",
]
PAGE_KEYS = ("layers", "gan2d_speed", draw2d.URL_KEY, "preset")
SPECS = specs(GanConfig)

st.title("2D GAN playground")
st.caption(
    "A generator (orange) learns to imitate the real data (blue) while a discriminator (the background) "
    "learns to tell them apart. Change anything while it trains."
)
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **The background** is the discriminator's belief that a point is real (red = fake, blue = real). Fakes "
        "are pushed along the **gradient arrows** towards where D says 'real'.\n"
        "- **The manifold** is a grid in the latent space z, bent by the generator: where it folds and stretches "
        "you see how G maps noise onto data.\n"
        "- **Mode collapse**: fakes gather on one mode, D learns that mode is fake, fakes jump to another mode. "
        "*Modes covered* stays low. Load the *Mode collapse* presets and compare the plain GAN with minibatch "
        "discrimination.\n"
        f"- **Honest metrics**: {covered_help(EVAL_SAMPLES)} *High quality* is the share of samples that close to "
        "any mode."
    )


# ---------------------------------------------------------------- presets, saved runs and URL
def set_widget_values(values: dict) -> None:
    for key, spec in SPECS.items():
        if key in DATA_KEYS + MODEL_KEYS + TRAINING_KEYS + TRICK_KEYS:
            st.session_state[key] = values.get(key, spec.default)


def show_loaded(run) -> None:
    """A saved run's settings (and its drawn data) in the widgets."""
    trainer = run.trainers[0]
    set_widget_values(dataclasses.asdict(trainer.config))
    if trainer.config.dataset == "custom" or trainer.data.state() is not None:
        st.session_state["_gan2d_custom"] = trainer.data
        st.session_state["dataset"] = "custom"


def apply_preset(name: str) -> None:
    preset = GAN2D_PRESETS[name]
    set_widget_values(preset.values)
    st.session_state["_gan2d_preset"] = name


controls.warn_bad_url_params(GanConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Lesson presets")
    names = list(GAN2D_PRESETS)
    choice = st.selectbox(
        "Preset",
        names,
        format_func=lambda n: GAN2D_PRESETS[n].title,
        key="preset",
        help="A ready-made setup; loading it replaces the settings below.",
    )
    st.button("Load preset", on_click=apply_preset, args=(choice,), key="gan2d_load_preset", width="stretch")

    st.subheader("Data")
    if pending := st.session_state.pop("_gan2d_set_dataset", None):
        st.session_state["dataset"] = pending  # set before the widget exists (Streamlit forbids it after)
    if st.session_state.get("dataset") not in DATASETS:
        st.session_state.pop("dataset", None)
    dataset = st.selectbox(
        "Dataset",
        DATASETS,
        key="dataset",
        bind="query-params",
        help=SPECS["dataset"].help + " 'custom' is the distribution you draw or upload below the plot.",
    )
    controls.widget(SPECS["data_noise"], disabled=dataset == "custom")
    with st.expander("Model (changes start a new model)", expanded=False):
        controls.widgets(GanConfig, MODEL_KEYS)
    st.subheader("Training (live)")
    controls.widgets(GanConfig, TRAINING_KEYS)
    st.subheader("Tricks")
    controls.widgets(GanConfig, TRICK_KEYS)

if (loaded_preset := GAN2D_PRESETS.get(st.session_state.get("_gan2d_preset", ""))) is not None:
    if all(st.session_state.get(k) == v for k, v in loaded_preset.values.items()):  # shown while its settings hold
        st.info(f"**{loaded_preset.title}**: {loaded_preset.explanation}", icon=":material/school:")

# ---------------------------------------------------------------- custom data
custom = draw2d.drawn_distribution("gan2d")
if dataset == "custom" and custom is None:
    st.warning("No custom distribution yet: draw or upload one below. Showing ring8 meanwhile.")

# ---------------------------------------------------------------- the run
loaded = saved_runs.take_loaded(SLOT)
use_custom = dataset == "custom" and custom is not None
run = model_run.page_run(SLOT, "gan", DATA_KEYS[1:] + MODEL_KEYS + TRAINING_KEYS + TRICK_KEYS,
                         dataset if use_custom or dataset != "custom" else "ring8",
                         data=custom if use_custom else None, loaded=loaded)
if loaded is not None:
    st.toast(f"Loaded {loaded.loaded_from} at step {loaded.snapshot().step}: press Play to resume.")
layers = st.pills(
    "Layers",
    list(plots2d.LAYERS),
    format_func=plots2d.LAYERS.get,
    selection_mode="multi",
    default=plots2d.DEFAULT_LAYERS if "layers" not in st.session_state else None,
    key="layers",
    bind="query-params",
    help="What the plot shows. The discriminator is the background, "
    "the manifold the generator's image of a grid in z, arrows the generator's gradient on fakes.",
)
bounds = run.trainers[0].data.bounds


def render(snap) -> None:
    run_controls.status_line(snap)
    preview = snap.preview
    plot, side = st.columns([3, 2])
    with plot:
        st.plotly_chart(plots2d.gan2d_figure(preview, bounds, layers or []), key="gan2d_plot")
    with side:
        m = preview.get("metrics", {})
        a, b, c = st.columns(3)
        a.metric("Step", f"{snap.step:,}")
        mode_tiles(m, columns=(b, c))
        st.caption(
            f"Mode KL(q‖p) = {m.get('mode_kl', float('nan')):.3f} nats (0 = samples spread over modes "
            f"exactly as the data is)"
        )
        history = snap.history()
        st.plotly_chart(charts.curves(history, ["loss_d", "loss_g"], title="Losses"), key="gan2d_losses")
        st.plotly_chart(
            charts.curves(history, ["d_real", "d_fake"], title="Mean D(x): real vs fake", height=200), key="gan2d_d"
        )
        if not history.empty:
            st.download_button(
                "Metrics CSV", history.to_csv(index=False), f"{snap.run_id}-metrics.csv", "text/csv", key="gan2d_csv"
            )


run_controls.live(run, render)

with st.expander("Saved runs: load and resume", icon=":material/folder_open:"):
    saved_runs.saved_runs_panel(SLOT, "gan", points=True, on_loaded=show_loaded,  # image runs: Image GANs page
                                empty="No saved 2D GAN runs yet: press Save to keep one (it lands in runs/<id>/).")

draw2d.drawing_panel("gan2d")
