import { useState } from 'preact/hooks';
import { api, LOT_MODES, type CopyRules, type Id, type LotMode,
         type StaleOpenPolicy } from '../../api';
import { t } from '../../i18n';
import { useAsync } from '../../lib/hooks';
import { rulesToForm, validateRules, type RulesForm as Form } from '../../lib/rules';
import { useSubmit } from '../../lib/submit';
import { Button } from '../Button';
import { Checkbox, SelectField, TextArea, TextField } from '../Field';
import { ErrorState, Loading } from '../LoadState';

function Editor({ accountId, initial }: { accountId: Id; initial: CopyRules }) {
  const [form, setForm] = useState<Form>(() => rulesToForm(initial));
  const set = <K extends keyof Form>(k: K) => (v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));

  const { busy, errors, formError, submit } = useSubmit(
    // validate() has checked the form: the body is there.
    (signal) => api.saveRules(accountId, validateRules(form).body!, signal), {
      validate: () => validateRules(form).errors,
      onSuccess: (saved) => setForm(rulesToForm(saved)),
      toast: t('common.saved'),
      alwaysSentence: true,
    });

  return (
    <form class="space-y-4" onSubmit={submit} noValidate data-testid="rules-form">
      {formError && <p role="alert" class="text-sm text-down">{formError}</p>}
      <div class="grid gap-4 sm:grid-cols-2">
        <SelectField label={t('accounts.rules.lotMode')} testid="rules-lot-mode"
                     value={form.lot_mode} onChange={(v) => set('lot_mode')(v as LotMode)}
                     error={errors.lot_mode}
                     options={LOT_MODES.map((m) => ({ value: m,
                                                      label: t(`accounts.rules.lotMode.${m}`) }))} />
        <TextField label={t('accounts.rules.lotValue')} testid="rules-lot-value" inputMode="decimal"
                   value={form.lot_value} onInput={set('lot_value')} error={errors.lot_value}
                   hint={t(`accounts.rules.lotValueHint.${form.lot_mode}`)} />
        <TextField label={t('accounts.rules.minLot')} testid="rules-min-lot" inputMode="decimal"
                   value={form.min_lot_to_copy} onInput={set('min_lot_to_copy')}
                   error={errors.min_lot_to_copy} />
        <TextField label={`${t('accounts.rules.maxLot')} (${t('common.optional')})`}
                   testid="rules-max-lot" inputMode="decimal" value={form.max_lot}
                   onInput={set('max_lot')} error={errors.max_lot} />
      </div>
      <Checkbox label={t('accounts.rules.reverse')} checked={form.reverse}
                onChange={set('reverse')} testid="rules-reverse" />
      <TextArea label={t('accounts.rules.symbolMap')} testid="rules-symbol-map"
                value={form.symbol_map} onInput={set('symbol_map')} error={errors.symbol_map}
                hint={t('accounts.rules.symbolMapHint')} placeholder="XAUUSD=GOLD, US30=DJ30" />
      <div class="grid gap-4 sm:grid-cols-2">
        <TextField label={t('accounts.rules.allowed')} testid="rules-allowed"
                   value={form.allowed_symbols} onInput={set('allowed_symbols')}
                   error={errors.allowed_symbols} hint={t('accounts.rules.allowedHint')} />
        <TextField label={t('accounts.rules.blocked')} testid="rules-blocked"
                   value={form.blocked_symbols} onInput={set('blocked_symbols')}
                   error={errors.blocked_symbols} />
        <TextField label={t('accounts.rules.expiry')} testid="rules-expiry" inputMode="numeric"
                   value={form.signal_expiry_seconds} onInput={set('signal_expiry_seconds')}
                   error={errors.signal_expiry_seconds} />
        <TextField label={t('accounts.rules.deviation')} testid="rules-deviation"
                   hint={t('accounts.rules.deviationHint')}
                   inputMode="numeric" value={form.max_deviation_points}
                   onInput={set('max_deviation_points')} error={errors.max_deviation_points} />
        <TextField label={t('accounts.rules.spread')} testid="rules-spread"
                   hint={t('accounts.rules.spreadHint')}
                   inputMode="numeric" value={form.max_spread_points}
                   onInput={set('max_spread_points')} error={errors.max_spread_points} />
        <SelectField label={t('accounts.rules.stale')} testid="rules-stale"
                     value={form.stale_open_policy}
                     onChange={(v) => set('stale_open_policy')(v as StaleOpenPolicy)}
                     error={errors.stale_open_policy}
                     options={(['SKIP', 'MARKET'] as const).map((p) => ({
                       value: p, label: t(`accounts.rules.stale.${p}`) }))} />
      </div>
      <Checkbox label={t('accounts.rules.copyExisting')} checked={form.copy_existing}
                onChange={set('copy_existing')} testid="rules-copy-existing" />
      {form.copy_existing && (
        <div class="grid gap-4 sm:grid-cols-2">
          <TextField label={t('accounts.rules.copyExistingAge')} testid="rules-copy-existing-age"
                     inputMode="numeric" value={form.copy_existing_max_age_minutes}
                     onInput={set('copy_existing_max_age_minutes')}
                     error={errors.copy_existing_max_age_minutes}
                     hint={t('accounts.rules.copyExistingHint')} />
          <TextField label={t('accounts.rules.copyExistingPoints')}
                     testid="rules-copy-existing-points" inputMode="numeric"
                     value={form.copy_existing_max_points}
                     onInput={set('copy_existing_max_points')}
                     error={errors.copy_existing_max_points} />
        </div>
      )}
      <div class="flex justify-end">
        <Button type="submit" busy={busy} data-testid="rules-save">
          {busy ? t('common.saving') : t('common.save')}</Button>
      </div>
    </form>
  );
}

/** A follower's copy rules, loaded from and saved to the server. */
export function RulesForm({ accountId }: { accountId: Id }) {
  const rules = useAsync((s) => api.rules(accountId, s), [accountId]);
  if (rules.error) return <ErrorState error={rules.error} onRetry={rules.reload} />;
  if (!rules.data) return <Loading />;
  return <Editor accountId={accountId} initial={rules.data} />;
}
