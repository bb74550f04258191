// Faithful microphone capture: the page records speech as it was spoken.
//
// Why: AASIST judges the raw waveform, loudness included. Browsers clean up microphone audio by default (automatic
// gain control, noise suppression, echo cancellation), and that cleaned-up audio made real speech read as synthetic
// (README, "Microphone capture"). Gradio does not expose capture constraints, so this script, loaded in the page's
// <head> before Gradio starts, asks every getUserMedia call on the page (the recorder and the live monitor) for
// audio with the three processing features off, in mono.
//
// A browser may ignore a constraint, so what it applied (MediaStreamTrack.getSettings()) is kept in
// window.aasistCapture and sent with each recording: the server warns (`browser_processing`) when processing stayed
// on. tests/test_capture.py checks this script through the page with Chromium's fake microphone; if a Gradio upgrade
// stops calling navigator.mediaDevices.getUserMedia, that test fails.
(() => {
  const devices = navigator.mediaDevices;
  if (!devices || !devices.getUserMedia || window.aasistCapture) return;

  const AS_SPOKEN = { echoCancellation: false, noiseSuppression: false, autoGainControl: false, channelCount: 1 };
  const REPORTED = ["echoCancellation", "noiseSuppression", "autoGainControl", "sampleRate", "channelCount"];
  const browserGetUserMedia = devices.getUserMedia.bind(devices);

  const capture = (window.aasistCapture = {
    requested: AS_SPOKEN,
    settings: null,  // what the browser applied to the newest microphone track
    // The settings as JSON for the server ("" before any microphone was opened).
    json() {
      return capture.settings ? JSON.stringify({ requested: AS_SPOKEN, applied: capture.settings }) : "";
    },
  });

  // The live monitor sends the settings with every chunk from a hidden textbox (elem_classes "aasist-capture-sink"):
  // filled here, as if typed, once the microphone is open.
  const fillSinks = () => {
    document.querySelectorAll(".aasist-capture-sink textarea, .aasist-capture-sink input").forEach((field) => {
      field.value = capture.json();
      field.dispatchEvent(new Event("input", { bubbles: true }));
    });
  };

  devices.getUserMedia = async function (constraints) {
    if (constraints && constraints.audio) {
      const asked = typeof constraints.audio === "object" ? constraints.audio : {};
      constraints = { ...constraints, audio: { ...asked, ...AS_SPOKEN } };  // keeps the chosen deviceId
    }
    const stream = await browserGetUserMedia(constraints);
    const track = stream.getAudioTracks()[0];
    if (track) {
      const applied = track.getSettings();
      capture.settings = Object.fromEntries(REPORTED.filter((k) => k in applied).map((k) => [k, applied[k]]));
      fillSinks();
    }
    return stream;
  };
})();
