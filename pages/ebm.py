"""Energy-based models: an energy network trained by contrastive divergence, Langevin chains on its landscape, a
replay buffer, and the energies running away."""

import streamlit as st

from app.ui import controls, data_picker, ebm_views, model_run, run_controls
from engine.families.ebm.config import EbmConfig, image_defaults

SLOT = "ebm"
MODEL_KEYS = ["width", "depth", "spectral_norm", "buffer_size", "batch_size", "seed"]
LIVE_KEYS = ["lr", "energy_l2"]
LANGEVIN_KEYS = ["langevin_steps", "step_size", "noise", "reinit", "sample_steps"]
PAGE_KEYS = ("ebm_dataset", "ebm_folder", "ebm_speed")

st.title("Energy-based models")
st.caption("A network gives every point an energy E(x); low energy = likely, p(x) ∝ exp(−E(x)). Training lowers "
           "the energy of the data and raises it where Langevin chains, which roll downhill with a little noise, "
           "end up: x ← x − (ε/2) ∇E(x) + σ √ε ξ.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **The landscape** (2D) is E on a grid: the low, yellow valleys are where the model puts its "
        "probability, the dark plateaus where it puts almost none. The white "
        "lines are the paths of a few chains during the last training step, the orange dots where they ended.\n"
        "- **Contrastive divergence**: the loss is E(data) − E(chains). When the chains reach the data the two "
        "energies meet and the loss hovers near 0: the model is then at a fixed point, not finished.\n"
        "- **Replay buffer**: chains restart from earlier chains 95% of the time, from noise 5% (Du & Mordatch "
        "2019), so they have run long; with a buffer of 0 every step starts from noise (short-run chains).\n"
        "- **On images** the film shows chains from noise turning into digits, step by step.\n"
        "- **The energies running away**: without the L2 penalty, and with chains too short to reach the data, "
        "the energies of data and chains drift apart without end. The page warns, and the run stops as "
        "*diverged* with the reason. Try it with the button below.")

controls.warn_bad_url_params(EbmConfig, extra_keys=PAGE_KEYS)


def runaway_lesson() -> None:
    st.session_state.update(ebm_views.RUNAWAY_LESSON)


with st.sidebar:
    st.subheader("Data")
    dataset, defaults = data_picker.points_or_images(EbmConfig, "ebm", image_defaults)
    with st.expander("Model (changes start a new model)", expanded=True):
        for name in MODEL_KEYS:  # depth shapes the 2D MLP only
            controls.widgets(EbmConfig, [name], defaults=defaults, disabled=bool(defaults) and name == "depth")
    st.subheader("Training (live)")
    controls.widgets(EbmConfig, LIVE_KEYS, defaults=defaults)
    st.subheader("Langevin chains (live)")
    controls.widgets(EbmConfig, LANGEVIN_KEYS, defaults=defaults)
    st.button("Lesson: make the energies run away", on_click=runaway_lesson, key="ebm_runaway", width="stretch",
              help="Sets the energy penalty to 0 and the chains to 2 Langevin steps, on the running model.")

keys = ["data_root", "data_noise"] + MODEL_KEYS + LIVE_KEYS + LANGEVIN_KEYS
run = model_run.page_run(SLOT, "ebm", keys, dataset, defaults=defaults,
                         missing_folder="Type the path of an image folder in the sidebar.")
trainer = run.trainers[0]


def render(snap) -> None:
    run_controls.status_line(snap)
    ebm_views.warnings(snap)
    if trainer.data_kind == "images":
        ebm_views.images_area(snap)
    else:
        ebm_views.points_area(snap, trainer.data.bounds)


run_controls.live(run, render)
