"""Semi-supervised GAN: a classifier that learns from a handful of labels and from telling real images from generated
ones, beside the same network trained on the labels alone."""

import streamlit as st

from app.ui import (charts, classifier_views, controls, drawing, image_views, model_run, nav, panels,
                    run_controls)
from engine.config import live_keys, specs
from engine.families.ssgan.config import SsganConfig

SLOT = "ssgan"
LIVE_KEYS = [k for k in specs(SsganConfig) if k in live_keys(SsganConfig)]
MODEL_KEYS = ["n_labels", "d_width", "g_width", "z_dim", "input_noise", "hidden_noise", "weight_norm", "average",
              "batch_size", "seed"]
PAGE_KEYS = ("ssgan_dataset", "ssgan_folder", "ssgan_speed")

st.title("Semi-supervised GAN")
st.caption("The discriminator is a classifier with K+1 outputs: the K classes and \"generated\". A few labelled "
           "images teach it the classes; every image, labelled or not, teaches it what real data looks like "
           "(Salimans et al. 2016, sec. 5). The baseline beside it is the same network, from the same starting "
           "weights, trained on the same labelled images alone.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **Test error, GAN vs baseline**: with 100 labels the baseline memorises its 100 images and stops "
        "improving; the GAN's classifier keeps learning from the unlabelled ones. The paper reached 0.93% on MNIST "
        "(60,000 images, 180,000 steps); this page trains on far less, so expect larger errors and watch the gap.\n"
        "- **Labelled images**: change *Labelled images* to 10 (one per class) or *all*: the gap shrinks as labels "
        "grow, because then the labels alone suffice.\n"
        "- **Samples**: the generator trains by *feature matching* (match the classifier's average features on real "
        "data). Its samples are poor images, yet they help classification: they fill the space between classes "
        "where the classifier must learn to say \"generated\". Switch the generator loss to non-saturating to see "
        "better-looking samples and (in the paper) a worse classifier.\n"
        "- **Unsupervised weight** 0 turns the GAN off: the two curves should then behave alike.\n"
        "- **Reliability**: how well each classifier's confidence matches its accuracy (ECE, lower is better).")

controls.warn_bad_url_params(SsganConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Data")
    dataset = controls.image_dataset_picker(SsganConfig, "ssgan", folder_labels=True)
    with st.expander("Model (changes start a new model)", expanded=True):
        controls.widgets(SsganConfig, MODEL_KEYS)
    st.subheader("Training (live)")
    controls.widgets(SsganConfig, LIVE_KEYS)

keys = ["data_root"] + MODEL_KEYS + LIVE_KEYS
run = model_run.page_run(SLOT, "ssgan", keys, dataset)
trainer = run.trainers[0]
class_names = trainer.data.class_names


def render(snap) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.curves(history, ["test_error", "baseline_test_error"],
                                      title="Held-out test error: semi-supervised GAN vs baseline"),
                        key="ssgan_error_curve")
    if "samples" in preview:
        right.image(image_views.crisp(preview["samples"], 420), width="stretch", output_format="PNG",
                    caption=f"Generated images at step {preview['step']:,} (the same 64 z all along)")
    scored = history.dropna(subset=["test_error"]) if "test_error" in history else history.iloc[0:0]
    if scored.empty:
        st.caption(f"The first held-out evaluation comes at step {trainer.eval_every:,}.")
    else:
        last = scored.iloc[-1]
        cols = st.columns(4)
        cols[0].metric("Test error (semi-supervised GAN)", f"{last['test_error']:.2%}",
                       delta=f"{last['test_error'] - last['baseline_test_error']:+.2%} vs baseline",
                       delta_color="inverse",
                       help="Share of held-out images misclassified, by the running average of the weights.")
        cols[1].metric("Test error (baseline)", f"{last['baseline_test_error']:.2%}",
                       help="The same network trained on the labelled images only.")
        cols[2].metric("Labelled images", f"{int(last['n_labels']):,}",
                       help=f"of {len(trainer.data.train):,} training images; the rest are used without labels")
        cols[3].metric("ECE (GAN / baseline)", f"{last['ece']:.3f} / {last['baseline_ece']:.3f}",
                       help="Expected calibration error on the held-out images (Guo et al. 2017).")
    a, b = st.columns(2)
    with a:
        st.plotly_chart(charts.curves(history, ["supervised", "unsupervised", "baseline_loss"],
                                      title="Classifier losses"), key="ssgan_losses")
    with b:
        st.plotly_chart(charts.curves(history, ["d_real", "d_fake"],
                                      title="D(x) = Z/(Z+1) on real and generated images"), key="ssgan_d")


run_controls.live(run, render)


def labelled_view(run) -> None:
    picture = run.with_trainer(lambda t: t.labelled_grid())
    st.image(image_views.crisp(picture, 480), width="stretch", output_format="PNG",
             caption=f"The {trainer.n_labels:,} labelled images, by class (up to 100 shown): all the labels both "
                     "classifiers are told")


def calibration_view(run) -> None:
    preview = run.snapshot().preview
    if "reliability" not in preview:
        st.caption("Waiting for the first preview.")
        return
    st.plotly_chart(classifier_views.reliability_figure(
        {"semi-supervised GAN": preview["reliability"], "baseline": preview["baseline_reliability"]}),
        key="ssgan_reliability")
    classifier_views.misclassified(preview, class_names)


panels.lazy_panel("The labelled images", ":material/label:", "ssgan_open_labelled", labelled_view, run)
panels.lazy_panel("Calibration and mistakes", ":material/rule:", "ssgan_open_calibration", calibration_view, run)
panels.lazy_panel("Draw a digit: what the classifier and the judge say it is", ":material/draw:", "ssgan_open_draw",
                  drawing.what_they_see, run, "ssgan_canvas", lambda t, x: t.probabilities("ssgan", x))
st.page_link(nav.page("compare.py"), label="Compare label counts or generator losses side by side",
             icon=":material/compare:", query_params={"cmp_preset": "ssgan_labels"})
