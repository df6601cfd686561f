"""Real or fake? The visual Turing test: the room tells held-out real images from a model's samples, and every model
gets a human score (HYPE's error rate, with a bootstrap interval), live on the leaderboard."""

import streamlit as st

from app.ui import controls
from app.ui import real_or_fake_room as room
from app.ui import real_or_fake_views as game
from engine.game.rounds import RoundSpec

st.title("Real or fake?")
st.caption("One image at a time: a real one from the held-out images, or one the model made. Press **R** or **F**. "
           "Every answer joins the room's scores: the model that fools the room best wins.")
with st.expander("What to look for", icon=":material/lightbulb:"):
    st.markdown(
        "- **50% error is chance**: people cannot tell the model's images from real ones. Salimans et al. (2016) "
        "report 21.3% on their CIFAR-10 samples; HYPE (Zhou et al. 2019) made this error rate a measurement.\n"
        "- **Which tricks fool people?** The leaderboard lists what each model changed from its family's defaults. "
        "Try the shipped GAN, the VAE (blurry: it shows the mean of p(x|z)), the PixelCNN (sharp pixels, shaky "
        "strokes) and the plain autoencoder (decoding z ~ N(0, I) gives smudges).\n"
        "- **Fakes judged real vs reals judged fake**: a model can win by making people doubt the real images too.\n"
        "- **The interval** is wide after a few answers: a model leads only when its interval clears the other's.\n"
        "- **Timed mode** (HYPE-time): the image flashes for a moment, shorter after each right answer; the "
        "exposure you settle at is how long this model needs to be seen through.")

controls.warn_bad_url_params(RoundSpec, extra_keys=(game.MODEL_KEY,), key_prefix=game.PREFIX)
store = room.answer_store()
with st.sidebar:
    st.subheader("The round")
choice = game.model_picker()
spec = game.round_spec()
game.round_caption(game.start(choice, spec))
game.play_area(store)

st.subheader("The room's scores")
room.leaderboard_area(store)
room.export_and_reset(store)
