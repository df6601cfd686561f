"""Classifier tricks: a small residual CNN and the training checklist (schedules, smoothing, mixup, cutout,
distillation, augmentation policies, test-time augmentation), with the schedule, calibration and mistakes in view."""

import streamlit as st

from app.ui import charts, classifier_views, controls, drawing, model_run, nav, panels, run_controls
from engine.config import live_keys
from engine.families.classifier.config import ClassifierConfig

SLOT = "classifier"
GROUPS = {  # sidebar sections; the live keys among them change the running model, the others start a new one
    "Network": ["width", "blocks", "dropout", "drop_path", "aux_weight", "batch_size", "seed"],
    "Optimisation": ["lr", "weight_decay", "schedule", "total_steps", "warmup_steps", "linear_scaling", "no_bn_decay"],
    "Targets": ["label_smoothing", "mixup"],
    "Augmentation": ["flip", "crop_padding", "cutout", "autoaugment"],
    "Test-time augmentation": ["tta"],
    "Knowledge distillation": ["distillation", "distill_temperature", "teacher_steps", "teacher_width", "teacher_run"],
}
LIVE = live_keys(ClassifierConfig)
PAGE_KEYS = ("clf_dataset", "clf_folder", "classifier_speed")

st.title("Classifier tricks")
st.caption("A small residual CNN and the checklist of tricks that train image classifiers well (He et al. 2019, "
           "\"Bag of tricks\"; and each trick's own paper, in its help text). Every trick is a switch: the run "
           "restarts when a switch changes the network or the schedule, and the ones marked ·live apply between steps.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **The schedule plot** shows the learning rate at every step: warm-up ramps it up, cosine decay brings it "
        "to 0 at the end of the schedule; linear scaling multiplies it by batch size / 256.\n"
        "- **Test error** is on held-out images; the training error on the batch is noisier, and with mixup or "
        "heavy augmentation it sits above the test error.\n"
        "- **Label smoothing** makes the network less sure of itself: watch the reliability diagram's bars and the "
        "ECE. An over-confident network has bars below the diagonal.\n"
        "- **Misclassified examples** are sorted by confidence: the most confident mistakes first.\n"
        "- **Flip** and **ten-crop** mirror images: right for photographs, wrong for digits (a mirrored 3 is no "
        "digit). **Five-crop** test-time augmentation shifts without mirroring.\n"
        "- **Distillation** trains a wider teacher first (the phase shows in the status line), then the student "
        "learns from the teacher's softened probabilities as well as the labels.\n"
        "- One run says little: use **Compare tricks** to train variants side by side over several seeds.")

controls.warn_bad_url_params(ClassifierConfig, extra_keys=PAGE_KEYS)
with st.sidebar:
    st.subheader("Data")
    dataset = controls.image_dataset_picker(ClassifierConfig, "clf", folder_labels=True)
    for title, names in GROUPS.items():
        with st.expander(title, expanded=title in ("Targets", "Augmentation")):
            controls.widgets(ClassifierConfig, names)

keys = ["data_root"] + [k for names in GROUPS.values() for k in names]
run = model_run.page_run(SLOT, "classifier", keys, dataset)
trainer = run.trainers[0]
class_names = trainer.data.class_names
lr_steps, lr_rates = trainer.lr_plot()  # from the configuration alone: no need to pause training


def render(snap) -> None:
    run_controls.status_line(snap)
    preview, history = snap.preview, snap.history()
    if preview.get("phase") == "teacher":
        st.info(f"Training the teacher first ({trainer.config.teacher_steps:,} steps); the student starts after it. "
                "The views below show the teacher meanwhile.", icon=":material/school:")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(charts.curves(history, ["train_error", "test_error", "teacher_test_error"],
                                      title="Error: training batch and held-out test"), key="clf_error_curve")
    with right:
        st.plotly_chart(classifier_views.lr_figure(lr_steps, lr_rates, preview.get("student_step")), key="clf_lr")
    scored = history.dropna(subset=["test_error"]) if "test_error" in history else history.iloc[0:0]
    if scored.empty:
        st.caption(f"The first held-out evaluation comes at step {trainer.eval_every:,}.")
    else:
        last = scored.iloc[-1]
        cols = st.columns(3)
        cols[0].metric("Test error", f"{last['test_error']:.2%}", help="Share of held-out images misclassified"
                       + (f", averaged over the {trainer.config.tta.replace('_', '-')} views." if
                          trainer.config.tta != "none" else "."))
        cols[1].metric("ECE", f"{last['ece']:.3f}",
                       help="Expected calibration error (Guo et al. 2017): the gap between confidence and accuracy, "
                            "averaged over 15 confidence bins weighted by their images.")
        cols[2].metric("Test NLL", f"{last['test_nll']:.3f} nats", help="Cross-entropy on the held-out images.")
    a, b = st.columns(2)
    if "reliability" in preview:
        with a:
            st.plotly_chart(classifier_views.reliability_figure({"this network": preview["reliability"]}),
                            key="clf_reliability")
        with b:
            classifier_views.misclassified(preview, class_names)


run_controls.live(run, render)


def losses_view(run) -> None:
    history = run.snapshot().history()
    st.plotly_chart(charts.curves(history, ["loss", "aux_loss", "distill_loss", "teacher_loss"],
                                  title="Training losses"), key="clf_losses")


panels.lazy_panel("Training losses", ":material/show_chart:", "clf_open_losses", losses_view, run)
panels.lazy_panel("Draw a digit: what the network and the judge say it is", ":material/draw:", "clf_open_draw",
                  drawing.what_they_see, run, "clf_canvas", lambda t, x: t.probabilities(x))
st.page_link(nav.page("compare.py"), label="Compare classifier tricks side by side, over seeds",
             icon=":material/compare:", query_params={"cmp_preset": "classifier_tricks"})
