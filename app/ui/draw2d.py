"""Make your own 2D distribution: click or lasso points on a pad, upload a CSV, or type points."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from engine.data import BadInput, parse_points_csv, toy_from_clicks, toy_from_points

PAD = np.linspace(-2.5, 2.5, 41, dtype=np.float32)
PAD_POINTS = np.stack(np.meshgrid(PAD, PAD), axis=-1).reshape(-1, 2)  # (41*41, 2)
URL_KEY = "points"


def encode_points(points: np.ndarray) -> str:
    return ";".join(f"{x:.2f}:{y:.2f}" for x, y in points)


def decode_points(text: str) -> np.ndarray:
    try:
        pts = [tuple(float(v) for v in item.split(":")) for item in text.split(";") if item]
        arr = np.asarray(pts, dtype=np.float32).reshape(-1, 2)
    except ValueError:
        raise BadInput(f"the URL parameter '{URL_KEY}' should look like 0.5:1.0;-1:0 (x:y pairs)") from None
    if not len(arr) or not np.isfinite(arr).all():
        raise BadInput(f"the URL parameter '{URL_KEY}' holds no usable points")
    return arr


def _pad_figure(selected: np.ndarray | None) -> go.Figure:
    fig = go.Figure(
        go.Scatter(
            x=PAD_POINTS[:, 0],
            y=PAD_POINTS[:, 1],
            mode="markers",
            marker=dict(size=7, color="rgba(47,109,181,0.12)"),
            hoverinfo="x+y",
            name="pad",
        )
    )
    if selected is not None and len(selected):
        fig.add_trace(
            go.Scatter(
                x=selected[:, 0],
                y=selected[:, 1],
                mode="markers",
                hoverinfo="skip",
                marker=dict(size=9, color="#e6701a"),
                name="your modes",
            )
        )
    fig.update_layout(
        height=380, margin=dict(l=5, r=5, t=5, b=5), showlegend=False, dragmode="lasso", plot_bgcolor="white"
    )
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return fig


def custom_distribution_input(key: str):
    """Widgets for a custom distribution; returns a Toy2D when the user applied one this run, else None."""
    clicks, upload, typed = st.tabs(["Click or lasso", "Upload CSV", "Type points"])
    with clicks:
        st.caption(
            "Click pad points (shift-click for more) or draw a lasso / box around a region; each chosen point "
            "becomes a small Gaussian mode."
        )
        state = st.plotly_chart(
            _pad_figure(st.session_state.get(f"{key}_chosen")),
            key=f"{key}_pad",
            on_select="rerun",
            selection_mode=("points", "box", "lasso"),
        )
        idx = sorted(
            {p["point_index"] for p in (state.selection.points if state else []) if p.get("curve_number") == 0}
        )
        chosen = PAD_POINTS[idx] if idx else None
        std = st.slider(
            "Spread of each mode",
            0.01,
            0.3,
            0.05,
            0.01,
            key=f"{key}_std",
            help="Standard deviation of the Gaussian placed at each chosen point.",
        )
        if st.button(f"Use {len(idx)} chosen point(s) as the data", key=f"{key}_use_clicks", disabled=not idx):
            st.session_state[f"{key}_chosen"] = chosen
            return toy_from_clicks(chosen, std=std)
    with upload:
        st.caption("A CSV with two numeric columns x, y (a header row is fine), one point per line.")
        file = st.file_uploader("CSV of points", type=["csv", "txt"], key=f"{key}_csv")
        if file is not None and st.button("Use the uploaded points", key=f"{key}_use_csv"):
            return _from_text(file.getvalue())
    with typed:
        text = st.text_area("Points, one 'x, y' per line", "0, 0\n1.5, 1.5\n-1.5, 1.5", key=f"{key}_text")
        if st.button("Use these points", key=f"{key}_use_text"):
            return _from_text(text)
    return None


def _from_text(data: bytes | str):
    try:
        points = parse_points_csv(data)
        return toy_from_points(points) if len(points) > 20 else toy_from_clicks(points)
    except BadInput as err:
        st.error(f"Could not use these points: {err} Nothing was changed.")
        return None


def drawn_distribution(slot: str):
    """The page's drawn distribution (session state `_{slot}_custom`), read once from the URL's `points` when the
    session has none: a bad URL value is a warning and no distribution. None when nothing is drawn."""
    key = f"_{slot}_custom"
    if URL_KEY in st.query_params and key not in st.session_state:
        try:
            st.session_state[key] = toy_from_clicks(decode_points(st.query_params[URL_KEY]))
        except BadInput as err:
            st.warning(f"Ignored the drawn distribution in the URL: {err}")
    return st.session_state.get(key)


def drawing_panel(slot: str) -> None:
    """The expander to draw or upload a distribution (its pad, tabs and uploader are built only while it is open:
    they were an eighth of a 2D page's rerun); a new one is kept (in the URL too when it is a few clicked
    points), the page's dataset is switched to it (`_{slot}_set_dataset`, applied before the widget next run)."""
    panel = st.expander("Draw or upload your own distribution", icon=":material/draw:", key=f"{slot}_open_draw",
                        on_change="rerun")
    with panel:
        new_data = custom_distribution_input(f"{slot}_draw") if panel.open else None  # closed: nothing built
        if new_data is not None:
            st.session_state[f"_{slot}_custom"] = new_data
            if len(new_data.centres) <= 60 and getattr(new_data, "kind", "") == "clicks":
                st.query_params[URL_KEY] = encode_points(new_data.centres)
            st.session_state[f"_{slot}_set_dataset"] = "custom"
            st.rerun()
