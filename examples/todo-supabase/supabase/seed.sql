-- Run by `supabase db reset` after the migrations (and by rls-matrix as fixtures.sql).
insert into public.tags (name) values ('home'), ('work');
