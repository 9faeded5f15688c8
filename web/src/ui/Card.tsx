// A section of a page: a heading, an optional description, its content.
import { useId, type ReactNode } from 'react';

export interface CardProps {
  title?: ReactNode;
  description?: ReactNode;
  /** The heading level inside the page's outline (h2 by default). */
  level?: 1 | 2 | 3;
  children?: ReactNode;
  className?: string;
  /** Names the section for in-page links (e.g. #security-password). */
  id?: string;
}

export function Card({ title, description, level = 2, children, className, id }: CardProps) {
  const headingId = useId();
  const Heading = `h${level}` as const;
  return (
    <section className={['card', className].filter(Boolean).join(' ')} aria-labelledby={title ? headingId : undefined} id={id}>
      {title && (
        <Heading className="card__title" id={headingId}>
          {title}
        </Heading>
      )}
      {description && <p className="card__description">{description}</p>}
      {children}
    </section>
  );
}
