import { usePageTitle } from '../components/usePageTitle';
import { Link } from '../router';

export default function NotFoundPage() {
  usePageTitle('Not found');
  return (
    <section class="page">
      <h1>Page not found</h1>
      <p>
        <Link href="/app/customers">Go to Customers</Link>
      </p>
    </section>
  );
}
