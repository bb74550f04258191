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
    restarts: 0,  // live recordings restarted because Record came before Gradio's recorder had loaded (below)
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

  // Gradio's streaming recorder (the live monitor) loads its WAV encoder in the background once it is shown; Record
  // pressed before that has finished fails inside Gradio: nothing is ever streamed while the page looks as if it were
  // recording (seen with a slow network or a busy machine). It fails in one of two ways: before the recorder's code
  // has loaded ("... is not a constructor"), or after, while the encoder is still being registered, a step Gradio
  // does not wait for ("Failed to construct 'MediaRecorder': ... audio/wav is not supported"). Stop and Record again
  // works then, so this script does it for the visitor, a few times at most (window.aasistCapture.restarts counts
  // them).
  let openedAt = -Infinity;
  const MAX_RESTARTS = 5;
  const press = (root, label) => {
    const button = [...root.querySelectorAll("button")].find((b) => b.textContent.trim().startsWith(label));
    if (button) button.click();
    return Boolean(button);
  };
  window.addEventListener("unhandledrejection", (event) => {
    const message = String((event.reason && event.reason.message) || event.reason);
    const recorderNotReady = (event.reason instanceof TypeError && /not a constructor/.test(message))
      || (/MediaRecorder/.test(message) && /audio\/wav/.test(message) && /not supported/.test(message));
    if (!recorderNotReady || performance.now() - openedAt > 5000 || capture.restarts >= MAX_RESTARTS) return;
    capture.restarts += 1;
    const wait = 500 * capture.restarts;  // give the encoder a little longer each time
    document.querySelectorAll(".aasist-streaming-recorder").forEach((recorder) => {
      if (press(recorder, "Stop")) setTimeout(() => press(recorder, "Record"), wait);
    });
  });

  devices.getUserMedia = async function (constraints) {
    if (constraints && constraints.audio) {
      const asked = typeof constraints.audio === "object" ? constraints.audio : {};
      constraints = { ...constraints, audio: { ...asked, ...AS_SPOKEN } };  // keeps the chosen deviceId
    }
    const stream = await browserGetUserMedia(constraints);
    openedAt = performance.now();
    const track = stream.getAudioTracks()[0];
    if (track) {
      const applied = track.getSettings();
      capture.settings = Object.fromEntries(REPORTED.filter((k) => k in applied).map((k) => [k, applied[k]]));
      fillSinks();
    }
    return stream;
  };
})();
