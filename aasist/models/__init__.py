"""The networks and their weights: AASIST and AASIST-L (``model``), RawNet2, LCNN, W2V2-AASIST, AntiDeepfake (with
fairseq's wav2vec 2.0 configuration), what RawNet2's and AntiDeepfake's internals say of a window
(``filter_scaling``, ``frame_scores``), the built-in models (``registry``), where weights come from (``weights``)
and the cache folder (``cache``).

The bottom layer of the library: it reads no audio and knows nothing of a recording (README, "Code layout").
"""
