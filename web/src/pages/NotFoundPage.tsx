import { AuthLayout } from '../app/layouts.tsx';

export function NotFoundPage() {
  return (
    <AuthLayout title="Page not found">
      <p>There is nothing at this address.</p>
      <p>
        <a href="/">Go to the start page</a>
      </p>
    </AuthLayout>
  );
}
