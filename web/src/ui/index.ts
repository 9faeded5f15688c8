// The design system: small components over one stylesheet (theme.css).
export { Alert, AnnouncerProvider, useAnnounce, type AlertProps } from './Alert.tsx';
export { Button, type ButtonProps } from './Button.tsx';
export { Card, type CardProps } from './Card.tsx';
export { ConfirmDialog, type ConfirmDialogProps } from './ConfirmDialog.tsx';
export { Dialog, type DialogProps } from './Dialog.tsx';
export { Loading, Spinner } from './Spinner.tsx';
export { Checkbox, TextField, type TextFieldProps } from './TextField.tsx';
