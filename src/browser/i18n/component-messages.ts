// The texts of the standalone components (<waveform-select>, <hub-push>) in the
// app's current language; the components default to English on their own.
import type { HubPushMessages } from '../components/hub-push.ts';
import type { WaveformMessages } from '../components/waveform-select.ts';
import { t } from './i18n.ts';

export function waveformMessages(): WaveformMessages {
  return {
    start: t('wave.start'),
    end: t('wave.end'),
    selectAll: t('wave.selectAll'),
    handle: (which) => t(which === 'start' ? 'wave.handleStart' : 'wave.handleEnd'),
    area: (label) => t('wave.area', { label }),
    length: (selected, total) => t('wave.length', { selected, total }),
  };
}

export function hubPushMessages(): HubPushMessages {
  const phases = ['creating-repo', 'preuploading', 'uploadingLargeFiles', 'committing', 'done'] as const;
  return {
    head: t('hub.head'),
    repo: t('hub.repo'),
    token: t('hub.token'),
    rememberedToken: t('hub.rememberedToken'),
    remember: t('hub.remember'),
    sessionOnly: t('hub.sessionOnly'),
    private: t('hub.private'),
    hubAddress: t('hub.hubAddress'),
    hubUrl: t('hub.hubUrl'),
    push: t('evaluate.pushHub'),
    forget: t('hub.forget'),
    starting: t('hub.starting'),
    pushedTo: t('hub.pushedTo'),
    commit: t('hub.commit'),
    noHead: t('hub.noHead'),
    noRepo: t('hub.noRepo'),
    noToken: t('hub.noToken'),
    phases: Object.fromEntries(phases.map((p) => [p, t(`hub.phase.${p}`)])),
  };
}
