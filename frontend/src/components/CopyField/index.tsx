import { useEffect, useState } from 'preact/hooks';
import { t } from '../../i18n';

/** A read-only value in monospace with a copy button (API keys, tokens, hosts). */
export function CopyField({ value, label, testid, secret = false }: {
  value: string; label?: string; testid?: string; secret?: boolean;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const h = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(h);
  }, [copied]);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
    } catch {
      // No clipboard permission (e.g. plain http): select the text so Ctrl+C works.
      const el = document.querySelector<HTMLElement>(`[data-copy-value="${CSS.escape(value)}"]`);
      if (el) window.getSelection()?.selectAllChildren(el);
    }
    setCopied(true);
  };

  return (
    <div class="space-y-1">
      {label && <div class="text-xs font-medium text-ink-400">{label}</div>}
      <div class={`flex items-stretch overflow-hidden rounded-lg border
                   ${secret ? 'border-warn/50 bg-warn-dim/30' : 'border-ink-600 bg-ink-950'}`}>
        <code data-testid={testid} data-copy-value={value}
              class="min-w-0 flex-1 truncate px-3 py-2 font-mono text-sm text-ink-100 select-all">
          {value}
        </code>
        <button
          type="button"
          onClick={copy}
          data-testid={testid ? `${testid}-copy` : undefined}
          aria-label={`${t('common.copy')} ${label ?? ''}`.trim()}
          class="border-l border-ink-600 px-3 text-sm font-semibold text-ink-200 hover:bg-ink-700"
        >
          <span aria-live="polite">{copied ? `✓ ${t('common.copied')}` : t('common.copy')}</span>
        </button>
      </div>
    </div>
  );
}
