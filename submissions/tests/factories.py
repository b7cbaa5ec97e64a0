import io

import factory
from django.contrib.auth import get_user_model


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"author{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "a-long-passphrase-42")

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EditorFactory(UserFactory):
    """An editor at the journal's own domain (the authors' example.org would be a conflict
    of interest with every one of them: ``submissions.access``)."""

    username = factory.Sequence(lambda n: f"editor{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@{u.username}.journal.example")
    is_staff = True
    is_superuser = True


PARAGRAPH = (
    "We study the provenance of scholarly text and show how passages travel between papers. "
    "Our method aligns fingerprints of word sequences and reports each shared passage. "
)


def pdf_bytes(pages: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def encrypted_pdf_bytes() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([PARAGRAPH]))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx_bytes() -> bytes:
    """A ZIP with a DOCX's names whose document expands to 300 MB of zeros."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(300):
                member.write(chunk)
    return out.getvalue()


def plain_zip_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", PARAGRAPH)
    return out.getvalue()


def submissions_exist(ids) -> None:
    """Submission rows with these ids, for tests whose events refer to them (consumers skip
    events about submissions that do not exist)."""
    from submissions.models import Submission

    author = UserFactory()
    Submission.objects.bulk_create(
        (
            Submission(
                id=submission_id,
                author=author,
                title=f"Paper {submission_id}",
                text="words " * 10,
                word_count=10,
                content_hash="0" * 64,
            )
            for submission_id in ids
        ),
        ignore_conflicts=True,
    )
