"""Where runs train: threads of this process (the default, engine/runs.py) or Ray actors (`ray_actors`)."""
