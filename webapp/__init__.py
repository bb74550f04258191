"""The web demo (a Gradio app; ``app.py`` runs it): record or upload speech, get the AASIST verdict, the figures and
the live monitor. The library (``aasist``, which never imports Gradio) does the work; this package is the page.

    settings.py        what the demo offers, its limits and paths
    model_pool.py      the models, loaded once (in the background at startup), and the compute slots they share
    texts.py           the page's prose (what a result says is aasist.views.present's)
    views.py           HTML of a result, the input level, the model status and the live monitor
    recordings.py      an upload or a recording made on the page: decoding, capture settings, demo warnings
    examples.py        the example clips and their labels
    errors.py          the one sentence a visitor sees when something goes wrong
    updates.py         page updates as named structures, bound to components by name
    gradio_uploads.py  every Gradio internal the app reads (Gradio's upload cache)
    analysis_tab.py    "Analyze a recording", and the /analyze API
    live_tab.py        the Live tab; live_session.py: one visitor's stream and the registry of them
    batch_tab.py       the Batch tab
    evaluate_tab.py    the Evaluate tab (labelled recordings: each model's EER), and the /evaluate API;
                       labelled_uploads.py: its recordings, two drops or a zip of labelled folders
    about_tab.py       the "API and about" tab
    page.py            the whole page (build_demo), the model status line, theme and launch options
"""
