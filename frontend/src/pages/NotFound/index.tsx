import { LinkButton } from '../../components/Button';
import { EmptyState } from '../../components/EmptyState';
import { t } from '../../i18n';

export function NotFoundPage() {
  return (
    <div class="pt-10" data-testid="not-found">
      <EmptyState icon="🧭" title={t('notFound.title')}
                  action={<LinkButton href="/" variant="secondary">{t('notFound.home')}</LinkButton>}>
        {t('notFound.body')}
      </EmptyState>
    </div>
  );
}
