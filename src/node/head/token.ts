// Hub token for private repos: $HF_TOKEN (never printed).
export function readHfToken(): string | undefined {
  const t = process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN;
  return t && t.trim() ? t.trim() : undefined;
}
