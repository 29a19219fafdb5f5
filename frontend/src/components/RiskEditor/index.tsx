import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { GUARD_ACTIONS, riskApi, type DrawdownFrom, type GuardAction, type Id,
         type LimitField, type RiskPreset, type RiskState } from '../../api';
import { hasKey, t } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { MAX_WINDOWS, riskServerErrors, riskToForm, validateRisk,
         type RiskForm } from '../../lib/risk';
import { useSubmit } from '../../lib/submit';
import type { Errors } from '../../lib/validate';
import { toast } from '../../state/toast';
import { Button } from '../Button';
import { Checkbox, SelectField, TextField } from '../Field';
import { ErrorState, Loading } from '../LoadState';

const ZONES = ['UTC', 'Asia/Bangkok', 'Europe/Athens', 'Europe/London', 'Europe/Berlin',
  'America/New_York', 'Asia/Tokyo', 'Asia/Singapore', 'Australia/Sydney'];
const ZONE_LIST = 'risk-zones';
const DAYS = [0, 1, 2, 3, 4, 5, 6];

function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <fieldset class="space-y-3 rounded-lg border border-ink-700 p-3">
      <legend class="px-1 text-xs font-bold tracking-wide text-ink-300 uppercase">{title}</legend>
      {children}
    </fieldset>
  );
}

/** One guard: its value (empty = off) and the action when it trips. */
function LimitRow({ name, form, errors, onChange }: {
  name: LimitField; form: RiskForm; errors: Errors;
  onChange: (value: string, action: GuardAction) => void;
}) {
  const l = form[name];
  return (
    <div class="grid gap-3 sm:grid-cols-2">
      <TextField label={t(`risk.field.${name}`)} testid={`risk-${name}`} inputMode="decimal"
                 value={l.value} onInput={(v) => onChange(v, l.action)} error={errors[name]}
                 hint={t('risk.offHint')} />
      <SelectField label={t('risk.field.action')} testid={`risk-${name}-action`}
                   value={l.action} onChange={(v) => onChange(l.value, v as GuardAction)}
                   options={GUARD_ACTIONS.map((a) => ({ value: a, label: t(`risk.action.${a}`) }))} />
    </div>
  );
}

function presetText(p: RiskPreset): string {
  const key = `risk.preset.${p.name}`;
  return hasKey(key) ? t(key) : p.description;
}

function Editor({ accountId, initial, presets }: {
  accountId: Id; initial: RiskState; presets: RiskPreset[];
}) {
  const [form, setForm] = useState<RiskForm>(() => riskToForm(initial.limits));
  const [preset, setPreset] = useState('');
  const { busy, errors, setErrors, formError, submit } = useSubmit(
    // validate() has checked the form: the body is there.
    (signal) => riskApi.saveLimits(accountId, validateRisk(form).body!, signal), {
      validate: () => validateRisk(form).errors,
      invalidSentence: t('error.validation'),
      onSuccess: (saved) => setForm(riskToForm(saved.limits)),
      toast: t('common.saved'),
      alwaysSentence: true,
      fieldsOf: riskServerErrors,
    });
  const patch = (p: Partial<RiskForm>) => setForm((f) => ({ ...f, ...p }));
  const setLimit = (name: LimitField) => (value: string, action: GuardAction) =>
    patch({ [name]: { value, action } } as Partial<RiskForm>);
  const limit = (name: LimitField) => (
    <LimitRow name={name} form={form} errors={errors} onChange={setLimit(name)} />
  );

  const loadPreset = () => {
    const p = presets.find((x) => x.name === preset);
    if (!p) return;
    setForm(riskToForm(p.limits));
    setErrors({});
    toast(t('risk.preset.loaded'));
  };

  const toggleDay = (d: number, on: boolean) => patch({
    hours_days: on ? [...new Set([...form.hours_days, d])].sort() : form.hours_days.filter((x) => x !== d),
  });
  const setWindow = (i: number, side: 'start' | 'end', v: string) => patch({
    hours_windows: form.hours_windows.map((w, j) => (j === i ? { ...w, [side]: v } : w)),
  });
  const chosen = presets.find((x) => x.name === preset);

  return (
    <form class="space-y-4" onSubmit={submit} noValidate data-testid="risk-form">
      <p class="text-sm text-ink-400">{t('risk.subtitle')}</p>
      {formError && <p role="alert" class="text-sm text-down" data-testid="risk-form-error">
        {formError}</p>}
      <div class="flex flex-wrap items-end gap-3">
        <div class="min-w-0 flex-1">
          <SelectField label={t('risk.preset')} testid="risk-preset" value={preset}
                       onChange={setPreset}
                       hint={chosen ? presetText(chosen) : undefined}
                       options={[{ value: '', label: t('risk.preset.none') },
                                 ...presets.map((p) => ({ value: p.name, label: p.name }))]} />
        </div>
        <Button variant="secondary" onClick={loadPreset} disabled={!chosen}
                data-testid="risk-preset-load">{t('risk.preset.load')}</Button>
      </div>

      <Section title={t('risk.section.equity')}>
        {limit('equity_floor')}
        {limit('max_drawdown_pct')}
        <SelectField label={t('risk.field.drawdown_from')} testid="risk-drawdown-from"
                     value={form.drawdown_from}
                     onChange={(v) => patch({ drawdown_from: v as DrawdownFrom })}
                     options={(['START_BALANCE', 'EQUITY_PEAK'] as const).map((d) => ({
                       value: d, label: t(`risk.drawdownFrom.${d}`) }))} />
        {limit('margin_level_floor')}
      </Section>

      <Section title={t('risk.section.daily')}>
        {limit('daily_loss')}
        {limit('daily_loss_pct')}
        {limit('daily_profit_target')}
        <TextField label={t('risk.field.day_timezone')} testid="risk-day-timezone"
                   value={form.day_timezone} onInput={(v) => patch({ day_timezone: v })}
                   error={errors.day_timezone} hint={t('risk.field.day_timezoneHint')}
                   list={ZONE_LIST} autoComplete="off" placeholder="UTC" />
      </Section>

      <Section title={t('risk.section.exposure')}>
        <div class="grid gap-3 sm:grid-cols-3">
          <TextField label={t('risk.field.max_open_copies')} testid="risk-max-open-copies"
                     inputMode="numeric" value={form.max_open_copies}
                     onInput={(v) => patch({ max_open_copies: v })}
                     error={errors.max_open_copies} hint={t('risk.offHint')} />
          <TextField label={t('risk.field.max_total_lots')} testid="risk-max-total-lots"
                     inputMode="decimal" value={form.max_total_lots}
                     onInput={(v) => patch({ max_total_lots: v })}
                     error={errors.max_total_lots} hint={t('risk.offHint')} />
          <TextField label={t('risk.field.max_symbol_lots')} testid="risk-max-symbol-lots"
                     inputMode="decimal" value={form.max_symbol_lots}
                     onInput={(v) => patch({ max_symbol_lots: v })}
                     error={errors.max_symbol_lots} hint={t('risk.offHint')} />
        </div>
      </Section>

      <Section title={t('risk.section.hours')}>
        <Checkbox label={t('risk.hours.on')} checked={form.hours_on} testid="risk-hours-on"
                  onChange={(v) => patch({ hours_on: v })} />
        {form.hours_on && (
          <div class="space-y-3" data-testid="risk-hours">
            <div role="group" aria-label={t('risk.hours.days')} class="space-y-1.5">
              <div class="text-sm font-medium text-ink-200">{t('risk.hours.days')}</div>
              <div class="flex flex-wrap gap-3">
                {DAYS.map((d) => (
                  <Checkbox key={d} label={t(`risk.day.${d}` as 'risk.day.0')}
                            checked={form.hours_days.includes(d)} testid={`risk-day-${d}`}
                            onChange={(on) => toggleDay(d, on)} />
                ))}
              </div>
              {errors['trading_hours.days'] && (
                <p role="alert" class="text-sm text-down" data-testid="risk-days-error">
                  {errors['trading_hours.days']}</p>
              )}
            </div>
            <div class="space-y-2">
              <div class="text-sm font-medium text-ink-200">{t('risk.hours.windows')}</div>
              {form.hours_windows.map((w, i) => {
                const at = `trading_hours.windows[${i}]`;
                return (
                  <div key={i} class="flex flex-wrap items-start gap-3"
                       data-testid={`risk-window-${i}`}>
                    <div class="w-36">
                      <TextField label={t('risk.hours.start')} type="time"
                                 testid={`risk-window-${i}-start`} value={w.start}
                                 onInput={(v) => setWindow(i, 'start', v)}
                                 error={errors[`${at}.start`] ?? errors[at]} />
                    </div>
                    <div class="w-36">
                      <TextField label={t('risk.hours.end')} type="time"
                                 testid={`risk-window-${i}-end`} value={w.end}
                                 onInput={(v) => setWindow(i, 'end', v)}
                                 error={errors[`${at}.end`]} />
                    </div>
                    <Button variant="ghost" small class="mt-7" data-testid={`risk-window-${i}-remove`}
                            onClick={() => patch({
                              hours_windows: form.hours_windows.filter((_, j) => j !== i) })}>
                      {t('risk.hours.remove')}</Button>
                  </div>
                );
              })}
              {errors['trading_hours.windows'] && (
                <p role="alert" class="text-sm text-down">{errors['trading_hours.windows']}</p>
              )}
              <Button variant="secondary" small data-testid="risk-window-add"
                      disabled={form.hours_windows.length >= MAX_WINDOWS}
                      onClick={() => patch({ hours_windows: [...form.hours_windows,
                                                              { start: '08:00', end: '17:00' }] })}>
                + {t('risk.hours.add')}</Button>
            </div>
            <TextField label={t('risk.hours.timezone')} testid="risk-hours-timezone"
                       value={form.hours_timezone} onInput={(v) => patch({ hours_timezone: v })}
                       error={errors['trading_hours.timezone']} list={ZONE_LIST}
                       autoComplete="off" />
          </div>
        )}
      </Section>
      <datalist id={ZONE_LIST}>{ZONES.map((z) => <option key={z} value={z} />)}</datalist>

      <div class="flex justify-end">
        <Button type="submit" busy={busy} data-testid="risk-save">
          {busy ? t('common.saving') : t('common.save')}</Button>
      </div>
    </form>
  );
}

/** A follower's risk guards and the presets to start from, loaded from and saved to the
 *  server. */
export function RiskEditor({ accountId }: { accountId: Id }) {
  const state = useAsync((s) => Promise.all([riskApi.get(accountId, s), riskApi.presets(s)]),
                         [accountId]);
  if (state.error) return <ErrorState error={state.error} onRetry={state.reload} />;
  if (!state.data) return <Loading />;
  const [risk, presets] = state.data;
  return <Editor accountId={accountId} initial={risk} presets={presets} />;
}
