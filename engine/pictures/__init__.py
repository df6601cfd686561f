"""Pictures several families draw, as numpy arrays or PNG bytes (never plotted here: the pages plot them).

    images.py       uint8 conversion of image batches, torchvision grids, PNG bytes
    points2d.py     the fixed grid over a 2D toy's bounds, the true density on it, scatter pictures of samples
"""
