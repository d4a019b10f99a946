// w2v-BERT 2.0 feature extraction (SeamlessM4TFeatureExtractor recipe), environment-free.
export { BatchBuffers } from './batch-buffers.ts';
export { FeatureError } from './errors.ts';
export { FFT_SIZE, FRAME_LENGTH, FRAME_SHIFT, KaldiFbank, LOG_FLOOR, kaldiFrameCount } from './fbank.ts';
export { kaldiMel, kaldiMelFilterbank, poveyWindow, type SparseMelFilterbank } from './kaldi-mel.ts';
export { normalizePerBin } from './normalize.ts';
export { DEFAULT_PREPROCESSOR_CONFIG, parsePreprocessorConfig, type PreprocessorConfig } from './preprocessor-config.ts';
export { MIN_SAMPLES, SeamlessFeatureExtractor, type ExtractedBatch, type ExtractedFeatures } from './seamless-feature-extractor.ts';
export { SAFE_MEL_RATIO, WasmKaldiFbank, wasmKernelBytes, wasmSimdAvailable } from './wasm-fbank.ts';
export { WasmKaldiFbank64, wasmKernel64Bytes } from './wasm-fbank64.ts';
